import Foundation
import Testing
import TinyBench

/// Progress without a terminal: whole lines at each 10 % and every interval,
/// with done/total and an ETA; on a terminal, a bar that notices do not garble.
struct ProgressReporterTests {
    /// A clock the test moves by hand, and what the reporter wrote.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var instant = ContinuousClock.now
        private var text = ""

        var now: ContinuousClock.Instant { lock.withLock { instant } }
        func advance(_ d: Duration) { lock.withLock { instant += d } }
        func write(_ s: String) { lock.withLock { text += s } }
        var output: String { lock.withLock { text } }
        var lines: [String] { output.split(separator: "\n").map(String.init) }
    }

    static func reporter(_ style: ProgressReporter.Style) -> (ProgressReporter, Recorder) {
        let r = Recorder()
        return (ProgressReporter(style: style, write: { r.write($0) }, now: { r.now }), r)
    }

    @Test func linesComeAtEachTenPercentWithCountAndETA() {
        let (reporter, out) = Self.reporter(.lines(interval: .seconds(10)))
        // 200 samples, one every 0.1 s: 20 s in all, far below the interval between two tenths.
        for done in 0...200 {
            reporter.update(done: done, total: 200, label: "kws01 accuracy \(done)/200")
            out.advance(.milliseconds(100))
        }
        let lines = out.lines
        // The start of the phase, then 10 %, 20 %, ... 100 %.
        #expect(lines.count == 11, "\(lines)")
        #expect(lines.first == "kws01 accuracy: 0/200 done (0 %), 0 s elapsed, ETA not known yet")
        #expect(lines[5] == "kws01 accuracy: 100/200 done (50 %), 10 s elapsed, ETA 10 s")
        #expect(lines.last == "kws01 accuracy: 200/200 done (100 %), 20 s elapsed")
    }

    @Test func aSlowPhaseStillGetsALineEveryInterval() {
        let (reporter, out) = Self.reporter(.lines(interval: .seconds(10)))
        // 1,000 steps of 1 s each: 10 % takes 100 s, so the interval decides.
        for done in 0..<35 {
            reporter.update(done: done, total: 1000, label: "ad01 accuracy \(done)/1000")
            out.advance(.seconds(1))
        }
        let lines = out.lines
        #expect(lines.map { $0.prefix(20) } == ["ad01 accuracy: 0/100", "ad01 accuracy: 10/10", "ad01 accuracy: 20/10", "ad01 accuracy: 30/10"])
        #expect(lines[1] == "ad01 accuracy: 10/1000 done (1 %), 10 s elapsed, ETA 16 min 30 s")
    }

    @Test func phasesKeepTheirOwnClocks() {
        let (reporter, out) = Self.reporter(.lines(interval: .seconds(10)))
        reporter.update(done: 0, total: 5, label: "kws01 performance window 1/5 (a.bin)")
        out.advance(.seconds(60))
        reporter.update(done: 0, total: 100, label: "vww01 accuracy 0/100")
        out.advance(.seconds(30))
        reporter.update(done: 50, total: 100, label: "vww01 accuracy 50/100")
        reporter.update(done: 1, total: 5, label: "kws01 performance window 2/5 (b.bin)")
        let lines = out.lines
        #expect(lines.count == 4)
        // Labels that do not end in the count keep their words (which window, which file).
        #expect(lines[0] == "kws01 performance window 1/5 (a.bin): 0/5 done (0 %), 0 s elapsed, ETA not known yet")
        #expect(lines[2] == "vww01 accuracy: 50/100 done (50 %), 30 s elapsed, ETA 30 s")
        #expect(lines[3] == "kws01 performance window 2/5 (b.bin): 1/5 done (20 %), 1 min 30 s elapsed, ETA 6 min 0 s")
    }

    @Test func noticesAreWholeLinesInBothStyles() {
        let (lines, linesOut) = Self.reporter(.lines(interval: .seconds(10)))
        lines.notice("kws01: no answer to name% on /dev/pts/9 at 115200 baud within 5.0 s (attempt 1 of 3)")
        #expect(linesOut.output == "kws01: no answer to name% on /dev/pts/9 at 115200 baud within 5.0 s (attempt 1 of 3)\n")

        let (bar, barOut) = Self.reporter(.bar)
        bar.update(done: 1, total: 4, label: "kws01 accuracy 1/4")
        #expect(barOut.output.hasPrefix("\r[#######.......................]  25% ETA 0 s kws01 accuracy 1/4"))
        // The bar is cleared before a notice, and the notice ends its line.
        bar.notice("retrying")
        #expect(barOut.output.hasSuffix("\r\u{1B}[Kretrying\n"))
        bar.finish()
        #expect(barOut.output.hasSuffix("retrying\n"), "no empty line after a notice")
        bar.update(done: 4, total: 4, label: "kws01 accuracy done")
        bar.finish()
        #expect(barOut.output.hasSuffix("kws01 accuracy done\u{1B}[K\n"))
    }

    @Test func longPhasesCountInHours() {
        let (reporter, out) = Self.reporter(.lines(interval: .seconds(10)))
        reporter.update(done: 0, total: 1000, label: "ad01 accuracy 0/1000")
        out.advance(.seconds(10))
        reporter.update(done: 1, total: 1000, label: "ad01 accuracy 1/1000")
        #expect(out.lines.last == "ad01 accuracy: 1/1000 done (0 %), 10 s elapsed, ETA 2 h 46 min")
    }
}
