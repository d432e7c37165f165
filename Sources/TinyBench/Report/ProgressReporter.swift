import Foundation

/// Progress of a long run, told to a person or to a log. On a terminal, one
/// bar with an ETA is redrawn in place; anywhere else (a CI log, `nohup`, a
/// file) whole lines are written, one when a phase starts, then one every
/// `interval` or each time another 10 % of the phase is done, whichever
/// comes first, so a log shows the run is alive and how long it has left.
///
/// The CLI plugs one into ``SuiteRun/progress`` and ``SuiteRun/notice``.
/// Several DUTs report from their own threads; each phase (a label's first
/// two words, e.g. `kws01 accuracy`) keeps its own clock.
public final class ProgressReporter: @unchecked Sendable {
    /// How progress is shown.
    public enum Style: Sendable, Equatable {
        /// One line redrawn in place (carriage return): for a terminal.
        case bar
        /// Whole lines: at the start of a phase, after each further 10 %,
        /// and when `interval` has passed since the phase's last line.
        case lines(interval: Duration)
    }

    /// Lines every 10 s when not on a terminal.
    public static let defaultInterval = Duration.seconds(10)

    public let style: Style
    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> ContinuousClock.Instant
    private let lock = NSLock()
    private var phases = [Substring: Phase]()
    /// Whether a bar is on screen: a notice clears it first.
    private var barShown = false

    private struct Phase {
        var start: ContinuousClock.Instant
        var lastLine: ContinuousClock.Instant
        /// Tenths of the phase done when its last line was written.
        var lastTenth: Int
    }

    /// A reporter writing through `write`; `now` is the clock (tests pass their own).
    public init(style: Style, write: @escaping @Sendable (String) -> Void,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.style = style
        self.write = write
        self.now = now
    }

    /// On standard error: a bar when it is a terminal, lines every `interval` otherwise.
    public static func standardError(interval: Duration = defaultInterval) -> ProgressReporter {
        ProgressReporter(style: isatty(2) != 0 ? .bar : .lines(interval: interval)) {
            Console.error($0)
        }
    }

    /// `done` of `total` steps of the phase `label` names (e.g. `kws01 accuracy 120/1000`).
    public func update(done: Int, total: Int, label: String) {
        guard total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let key = Self.phase(of: label)
        let t = now()
        let tenth = done * 10 / total
        var phase = phases[key] ?? Phase(start: t, lastLine: t, lastTenth: -1)
        switch style {
        case .bar:
            phases[key] = phase
            let fraction = Double(done) / Double(total)
            let filled = min(max(Int(fraction * 30), 0), 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
            let eta = "ETA " + (Self.eta(done: done, total: total, elapsed: t - phase.start) ?? "--")
            write(String(format: "\r[%@] %3.0f%% %@ %@\u{1B}[K", bar, fraction * 100, eta, label))
            barShown = true
        case .lines(let interval):
            guard tenth > phase.lastTenth || t - phase.lastLine >= interval else { return }
            phase.lastLine = t
            phase.lastTenth = tenth
            phases[key] = phase
            write(Self.line(done: done, total: total, label: label, elapsed: t - phase.start) + "\n")
        }
    }

    /// Something the person watching should know now (a retry, a slow
    /// device), on a line of its own.
    public func notice(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write((barShown ? "\r\u{1B}[K" : "") + text + "\n")
        barShown = false
    }

    /// Ends the bar's line (after a benchmark finished); lines need no ending.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if barShown { write("\n") }
        barShown = false
    }

    /// The phase a label names: its first two words (`kws01 accuracy`).
    /// Called for every sample, so found on bytes, not by splitting words.
    static func phase(of label: String) -> Substring {
        var spaces = 0
        let utf8 = label.utf8
        for i in utf8.indices where utf8[i] == UInt8(ascii: " ") {
            spaces += 1
            if spaces == 2 { return label[..<i] }
        }
        return label[...]
    }

    /// `kws01 accuracy: 120/1000 done (12 %), 1 min 10 s elapsed, ETA 8 min 30 s`.
    static func line(done: Int, total: Int, label: String, elapsed: Duration) -> String {
        // Accuracy labels end in the count already.
        let count = " \(done)/\(total)"
        let name = label.hasSuffix(count) ? String(label.dropLast(count.count)) : label
        var text = "\(name): \(done)/\(total) done (\(done * 100 / total) %), \(format(elapsed.inSeconds)) elapsed"
        if done < total { text += ", ETA " + (eta(done: done, total: total, elapsed: elapsed) ?? "not known yet") }
        return text
    }

    /// Time left at the phase's pace so far; nil before the first step is done.
    static func eta(done: Int, total: Int, elapsed: Duration) -> String? {
        guard done > 0 else { return nil }
        return format(elapsed.inSeconds / Double(done) * Double(total - done))
    }

    /// `45 s`, `8 min 30 s`, `2 h 05 min`.
    static func format(_ seconds: Double) -> String {
        let s = max(Int(seconds.rounded()), 0)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return String(format: "%d h %02d min", s / 3600, s % 3600 / 60)
    }
}
