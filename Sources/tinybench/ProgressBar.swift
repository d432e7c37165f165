import Foundation

/// A one-line progress bar with ETA on standard error (quiet when it is not a terminal).
final class ProgressBar: @unchecked Sendable {
    static let standardError = ProgressBar()
    private let start = Date()
    private let enabled = isatty(2) != 0
    private var phaseStart = Date()
    private var phase = ""
    /// Several DUTs report progress from their own threads.
    private let lock = NSLock()

    func update(done: Int, total: Int, label: String) {
        guard enabled, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        // A phase is named by the label's first two words ("kws01 accuracy"); its ETA starts afresh.
        let key = label.split(separator: " ").prefix(2).joined(separator: " ")
        if key != phase {
            phase = key
            phaseStart = Date()
        }
        let fraction = Double(done) / Double(total)
        let elapsed = Date().timeIntervalSince(phaseStart)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%% ETA %4.0fs %@\u{1B}[K", bar, fraction * 100, eta, label).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
