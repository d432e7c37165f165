import Foundation

/// `log.txt` of a session: every line sent and received, with the time since
/// the session started, written as it happens so an interrupted run keeps it.
public final class SessionLog: @unchecked Sendable {
    private let handle: FileHandle?
    /// The log's time zero (the wire trace counts from it too).
    let start = ContinuousClock.now
    private let lock = NSLock()

    public init(url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    public func write(_ line: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        lock.lock()
        defer { lock.unlock() }
        handle?.write(Data((String(format: "%10.3f ", seconds) + line + "\n").utf8))
    }

    deinit { try? handle?.close() }
}
