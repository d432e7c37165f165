import Foundation

/// Downloads reference models and checks their MD5: each goes to a temporary
/// file first and gets its final name only once its sum is right, so a
/// failed or wrong download never looks like a model. A file already at the
/// destination with the right sum is kept.
///
/// The download itself is `curl`'s: linking FoundationNetworking (libcurl
/// and some thirty libraries behind it) would cost every start of the tool
/// about 7 ms, most of a short run's overhead, for a command run once.
public struct ModelFetcher {
    /// What happened to one model.
    public enum Outcome: Equatable, Sendable {
        case downloaded(path: String)
        case alreadyPresent(path: String)
    }

    public var baseURL: URL
    public var destination: URL
    /// Seconds to wait for a connection, or with no byte arriving; a whole
    /// download may take five times as long.
    public var timeoutSeconds: Double = 60

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
        let temporary = destination.appendingPathComponent(".\(model.fileName).part")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try download(url, to: temporary)
        let bytes: [UInt8]
        do throws(FileError) {
            bytes = [UInt8](try FileIO.read(temporary))
        } catch {
            throw .io(temporary.path, error.reason)
        }
        guard bytes.count == model.bytes else { throw .size(url: url.absoluteString, expected: model.bytes, actual: bytes.count) }
        let sum = Checksum.md5(bytes)
        guard sum == model.md5 else { throw .checksum(url: url.absoluteString, expected: model.md5, actual: sum) }
        do {
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: temporary, to: final)
        } catch {
            throw .io(final.path, FileError.reason(of: error))
        }
        return .downloaded(path: final.path)
    }

    /// `url` saved to `file` by curl; an HTTP status other than 200 or a
    /// transfer curl gave up on (refused, stalled, cut short) is an error.
    private func download(_ url: URL, to file: URL) throws(FetchError) {
        let seconds = String(timeoutSeconds)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--silent", "--show-error", "--location",
                             "--connect-timeout", seconds, "--max-time", String(timeoutSeconds * 5),
                             // Stalled: under one byte a second for the timeout.
                             "--speed-limit", "1", "--speed-time", String(max(1, Int(timeoutSeconds.rounded(.up)))),
                             "--output", file.path, "--write-out", "%{http_code}", "--", url.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .network(url: url.absoluteString, "cannot run curl: \(error.localizedDescription)")
        }
        // curl writes a status code and at most a line of error: neither pipe fills.
        let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0:
            // file:// answers 000.
            guard status == "200" || (status == "000" && url.isFileURL) else {
                throw .http(url: url.absoluteString, status: Int(status) ?? 0)
            }
        case 127:
            throw .network(url: url.absoluteString, "curl is not installed (Debian: apt-get install curl)")
        default:
            throw .network(url: url.absoluteString, message.isEmpty ? "curl exited with status \(process.terminationStatus)" : message)
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
