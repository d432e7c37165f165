import Foundation

/// `log.txt` of a session: every line sent and received, with the time since
/// the session started, written as it happens so an interrupted run keeps it.
///
/// Lines arrive from the DUT client's callback, which cannot throw, so a
/// failed write (a full disk) is kept and raised by ``check()``: the session
/// calls it before it records each completed step, and stops there rather than
/// going on with a record that silently lacks its log.
public final class SessionLog: @unchecked Sendable {
    public let url: URL
    private let handle: FileHandle
    /// The log's time zero (the wire trace counts from it too).
    let start = ContinuousClock.now
    private let lock = NSLock()
    private var failure: FileError?

    /// A new log.txt, or with `append` the existing one continued.
    public init(url: URL, append: Bool = false) throws(FileError) {
        self.url = url
        handle = try append ? FileIO.openForAppending(url) : FileIO.create(url)
    }

    /// Appends one line; after a failure nothing more is written.
    public func write(_ line: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: Data((Self.stamp(seconds) + line + "\n").utf8))
        } catch {
            failure = FileError("write", url.path, error)
        }
    }

    /// Seconds with three decimals, right-aligned in ten characters and a
    /// space (`%10.3f `), without a format string's cost: a long accuracy run logs a line per window.
    static func stamp(_ seconds: Double) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        let text = "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        return String(repeating: " ", count: max(10 - text.count, 0)) + text + " "
    }

    /// Throws the first failure to write the log, if any.
    public func check() throws(FileError) {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }
}
