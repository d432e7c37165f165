import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads reference models and checks their MD5: each goes to a temporary
/// file first and gets its final name only once its sum is right, so a
/// failed or wrong download never looks like a model. A file already at the
/// destination with the right sum is kept.
public struct ModelFetcher {
    /// What happened to one model.
    public enum Outcome: Equatable, Sendable {
        case downloaded(path: String)
        case alreadyPresent(path: String)
    }

    public var baseURL: URL
    public var destination: URL
    public var timeoutSeconds: Double = 60
    /// Progress: (model, bytes so far, expected bytes).
    public var progress: ((ReferenceModel, Int, Int) -> Void)?

    public init(baseURL: URL, destination: URL) {
        self.baseURL = baseURL
        self.destination = destination
    }

    public func fetch(_ model: ReferenceModel) throws(FetchError) -> Outcome {
        let final = destination.appendingPathComponent(model.fileName)
        if let existing = FileManager.default.contents(atPath: final.path), Checksum.md5(existing) == model.md5 {
            return .alreadyPresent(path: final.path)
        }
        do throws(FileError) {
            try FileIO.createDirectory(destination)
        } catch {
            throw .io(destination.path, error.reason)
        }
        let url = baseURL.appendingPathComponent(model.path)
        let bytes = try download(url, expected: model.bytes, model: model)
        let sum = Checksum.md5(bytes)
        guard sum == model.md5 else { throw .checksum(url: url.absoluteString, expected: model.md5, actual: sum) }
        let temporary = destination.appendingPathComponent(".\(model.fileName).part")
        do {
            try Data(bytes).write(to: temporary)
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: temporary, to: final)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .io(final.path, FileError.reason(of: error))
        }
        return .downloaded(path: final.path)
    }

    private func download(_ url: URL, expected: Int, model: ReferenceModel) throws(FetchError) -> [UInt8] {
        final class Box: @unchecked Sendable {
            var result: Result<(Data, Int), Error>?
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        request.httpMethod = "GET"
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForResource = timeoutSeconds * 5
        let session = URLSession(configuration: configuration)
        progress?(model, 0, expected)
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(error)
            } else {
                box.result = .success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }
            done.signal()
        }
        task.resume()
        // The session's own timeouts end the task; this bound only guards against a stuck session.
        guard done.wait(timeout: .now() + timeoutSeconds * 6) == .success else {
            task.cancel()
            throw .network(url: url.absoluteString, "no answer within \(Int(timeoutSeconds * 6)) s")
        }
        session.finishTasksAndInvalidate()
        switch box.result! {
        case .failure(let error):
            throw .network(url: url.absoluteString, error.localizedDescription)
        case let .success((data, status)):
            guard status == 200 else { throw .http(url: url.absoluteString, status: status) }
            progress?(model, data.count, expected)
            guard data.count == expected else { throw .size(url: url.absoluteString, expected: expected, actual: data.count) }
            return [UInt8](data)
        }
    }
}

/// Why a model could not be fetched.
public enum FetchError: Error, Equatable, CustomStringConvertible {
    case network(url: String, String)
    case http(url: String, status: Int)
    case size(url: String, expected: Int, actual: Int)
    case checksum(url: String, expected: String, actual: String)
    case io(String, String)

    public var description: String {
        switch self {
        case let .network(u, why): "cannot download \(u): \(why)"
        case let .http(u, s): "\(u) answered HTTP \(s)"
        case let .size(u, e, a): "\(u) sent \(a) bytes, expected \(e): the download was cut short or the file changed"
        case let .checksum(u, e, a): "\(u) has MD5 \(a), expected \(e): not the reference model; nothing was saved"
        case let .io(p, why): "cannot write \(p): \(why)"
        }
    }
}
