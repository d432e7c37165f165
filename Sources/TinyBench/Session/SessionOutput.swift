import Foundation

/// What a run does with the result folders of an earlier run in its output
/// folder (`<output>/<benchmark>/<mode>/` holding files): a session is never
/// overwritten by accident, while new benchmarks and modes may join it.
public enum ExistingResults: Sendable {
    /// Stop before the run starts, naming the folders.
    case refuse
    /// Remove those folders first (`--overwrite`); other results are kept.
    case overwrite
}

extension SessionFolder {
    /// A new, empty session folder `<parent>/<yyyyMMdd_HHmmss>`, named like
    /// the MLCommons runner's session folders. Each name is claimed with
    /// mkdir, which fails when the folder exists, so runs started in the same
    /// second (even in different processes) get `-2`, `-3`, ... instead of
    /// sharing one.
    public static func createNew(under parent: URL, date: Date = Date()) throws(FileError) -> URL {
        try FileIO.createDirectory(parent)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd_HHmmss"
        let stamp = formatter.string(from: date)
        var n = 1
        while true {
            let url = parent.appendingPathComponent(n == 1 ? stamp : "\(stamp)-\(n)")
            if mkdir(url.path, 0o777) == 0 { return url }
            guard errno == EEXIST else { throw FileError("create the session folder", url.path, reason: FileError.text(errno)) }
            n += 1
        }
    }

    /// Readies the folder for a run that writes `runs`: creates it, then
    /// refuses or removes (by `existing`) those of the result folders that
    /// already hold files.
    func prepare(for runs: [(Benchmark, Mode)], existing: ExistingResults) throws {
        try FileIO.createDirectory(url)
        var taken = [URL]()
        for (benchmark, mode) in runs {
            let results = folder(benchmark, mode)
            guard FileManager.default.fileExists(atPath: results.path) else { continue }
            let files: [String]
            do {
                files = try FileManager.default.contentsOfDirectory(atPath: results.path)
            } catch {
                throw FileError("read the folder", results.path, error)
            }
            if !files.isEmpty { taken.append(results) }
        }
        guard !taken.isEmpty else { return }
        switch existing {
        case .refuse:
            throw SessionOutputError.holdsResults(session: url.path, folders: taken.map { "\($0.deletingLastPathComponent().lastPathComponent)/\($0.lastPathComponent)" })
        case .overwrite:
            for folder in taken {
                do {
                    try FileManager.default.removeItem(at: folder)
                } catch {
                    throw FileError("remove", folder.path, error)
                }
            }
        }
    }
}

/// Why a run did not start in its output folder.
public enum SessionOutputError: Error, Equatable, CustomStringConvertible {
    /// The session holds results this run would write (`kws/accuracy`, ...).
    case holdsResults(session: String, folders: [String])

    public var description: String {
        switch self {
        case let .holdsResults(session, folders):
            "\(session) already holds results in \(folders.joined(separator: ", ")): continue that session with `tinybench resume \(session)`, or give --overwrite to replace them"
        }
    }
}
