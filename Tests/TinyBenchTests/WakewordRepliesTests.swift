import Testing
import TinyBench

/// The interface board's and the DUT's sww replies, read as the runner's
/// `streaming_ww_utils.py` reads them, and the checker's closed-division rules.
struct WakewordRepliesTests {
    @Test func detectionsAreOneTimestampPerLine() throws {
        #expect(try WakewordReplies.detections(["Detection Timestamps (ms)", "32,", " 1024 ,", "9984,"]) == [32, 1024, 9984])
        #expect(try WakewordReplies.detections(["Detection Timestamps (ms)"]) == [])
        #expect(throws: WakewordReplies.Malformed.self) { try WakewordReplies.detections(["Now recording detections", "32,"]) }
        #expect(throws: WakewordReplies.Malformed.self) { try WakewordReplies.detections(["Detection Timestamps (ms)", "3x2,"]) }
        #expect(throws: WakewordReplies.Malformed.self) { try WakewordReplies.detections([]) }
    }

    /// The board's layout: 8 values a line, each followed by ", ", `m-ready` on the last line of stop times.
    @Test func dutyCycleTicksSpanLinesUntilMReady() throws {
        let lines = ["Duty cycle start times (s)", "1, 2, 3, 4, 5, 6, 7, 8, ", "9, 10, ",
                     "Duty cycle stop times (s)", "11, 12, 13, 14, 15, 16, 17, 18, ", "19, 20, m-ready"]
        let ticks = try WakewordReplies.dutyCycleTicks(lines)
        #expect(ticks.starts == Array(1...10) && ticks.stops == Array(11...20))
        // The InterfaceBoard client takes `m-ready` off the last line before the parser sees it.
        let cut = try WakewordReplies.dutyCycleTicks(Array(lines.dropLast()) + ["19, 20, "])
        #expect(cut.stops == Array(11...20))
        #expect(throws: WakewordReplies.Malformed.self) { try WakewordReplies.dutyCycleTicks(["1, 2, "]) }
        #expect(throws: WakewordReplies.Malformed.self) {
            try WakewordReplies.dutyCycleTicks(["Duty cycle start times (s)", "1, two, "])
        }
    }

    @Test func activationsFollowTheirHeader() throws {
        let reply = ["Received command: stop", "Streaming stopped.", "target activations: ", "[-128, 5, 12, ", "7  ", "]"]
        #expect(try WakewordReplies.activations(reply) == [-128, 5, 12, 7])
        #expect(try WakewordReplies.activations(["target activations: ", "[]"]) == [])
        #expect(try WakewordReplies.activations(["I2S is already idle.  Ignoring stop request"]) == nil)
        #expect(throws: WakewordReplies.Malformed.self) { try WakewordReplies.activations(["target activations: ", "[1, x, ]"]) }
    }

    /// The submission checker's `sww_perf_acc`: TP + FN = 50, FN ≤ 8, FP ≤ 8.
    @Test func closedDivisionRules() {
        #expect(WakewordResults.closedDivisionProblems(truePositives: 45, falseNegatives: 5, falsePositives: 8).isEmpty)
        #expect(WakewordResults.closedDivisionProblems(truePositives: 42, falseNegatives: 8, falsePositives: 0).isEmpty)
        #expect(WakewordResults.closedDivisionProblems(truePositives: 41, falseNegatives: 9, falsePositives: 0) == ["FN = 9 > 8"])
        #expect(WakewordResults.closedDivisionProblems(truePositives: 50, falseNegatives: 0, falsePositives: 9) == ["FP = 9 > 8"])
        #expect(WakewordResults.closedDivisionProblems(truePositives: 2, falseNegatives: 1, falsePositives: 0).count == 1)
    }
}
