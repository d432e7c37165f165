import Foundation

/// `log.txt` of a session: every line sent and received, with the time since
/// the session started, written as it happens so an interrupted run keeps it.
/// With ``holdsLinesUntilCheck`` (accuracy runs, a line per window) lines are
/// stamped as they happen but written together at the next ``check()`` or
/// ``flush()``, that is when the step they belong to is recorded: one write
/// per sample instead of one per line, and a run killed mid-sample loses
/// only the lines of the sample it does not record.
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
    /// Stamped lines not yet written (``holdsLinesUntilCheck``).
    private var held = [UInt8]()
    /// Keep lines until the next ``check()`` or ``flush()`` (see the type's description).
    public var holdsLinesUntilCheck: Bool {
        get { lock.lock(); defer { lock.unlock() }; return holding }
        set { lock.lock(); holding = newValue; lock.unlock(); if !newValue { flush() } }
    }
    private var holding = false
    /// Held lines past this many bytes are written at once (a sample with a long dialogue).
    static let heldLimit = 1 << 16

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
        held += (Self.stamp(seconds) + line + "\n").utf8
        if !holding || held.count > Self.heldLimit { writeHeld() }
    }

    /// Writes the held lines (the lock is held).
    private func writeHeld() {
        guard !held.isEmpty else { return }
        defer { held.removeAll(keepingCapacity: true) }
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: held)
        } catch {
            failure = FileError("write", url.path, error)
        }
    }

    /// Writes the lines held so far (``holdsLinesUntilCheck``).
    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        writeHeld()
    }

    deinit { writeHeld() }

    /// Seconds with three decimals, right-aligned in ten characters and a
    /// space (`%10.3f `), without a format string's cost: a long accuracy run logs a line per window.
    static func stamp(_ seconds: Double) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        let text = "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        return String(repeating: " ", count: max(10 - text.count, 0)) + text + " "
    }

    /// Writes the lines held so far, then throws the first failure to write the log, if any.
    public func check() throws(FileError) {
        lock.lock()
        defer { lock.unlock() }
        writeHeld()
        if let failure { throw failure }
    }
}
