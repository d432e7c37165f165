import Foundation
import Testing
import TestSupport
import TinyBench

/// sww01 scoring against the MLCommons runner's `calc_detection_stats`. Each
/// case's expected true positives, false negatives and false positives were
/// produced by running the runner's own function (streaming_ww_utils.py at
/// mlcommons/tiny 1afd2c9) on the same detections and windows.
struct WakewordDetectionScoreTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let detections: [Int]
        let windows: [[Double]]
        let tp: [Double], fn: [Double], fp: [Double]
        var testDescription: String { name }
    }

    static let three: [[Double]] = [[1.0, 1.6476250000000001], [4.0, 4.76175], [7.0, 7.358625]]

    static let cases: [Case] = [
        Case(name: "the sync marker alone", detections: [500], windows: three, tp: [], fn: [1, 4, 7], fp: []),
        Case(name: "one per window, after the marker", detections: [500, 1700, 4900, 7500], windows: three, tp: [1, 4, 7], fn: [], fp: []),
        Case(name: "early by 1 ms", detections: [1000, 1999], windows: [[1, 1.5]], tp: [], fn: [1], fp: [0.999]),
        Case(name: "exactly at the start", detections: [1000, 2000], windows: [[1, 1.5]], tp: [1], fn: [], fp: []),
        Case(name: "late edge: stop + 2 s is inside", detections: [0, 3500], windows: [[1, 1.5]], tp: [1], fn: [], fp: []),
        Case(name: "late by 1 ms", detections: [0, 3501], windows: [[1, 1.5]], tp: [], fn: [1], fp: [3.501]),
        Case(name: "double: every detection in the window is used up", detections: [0, 1100, 1300, 3400], windows: [[1, 1.5]],
             tp: [1], fn: [], fp: []),
        Case(name: "merged: the first window takes what both extended windows cover", detections: [0, 2600], windows: [[1, 1.5], [2.5, 3]],
             tp: [1], fn: [2.5], fp: []),
        Case(name: "merged: one detection in both, the second is missed", detections: [0, 2000], windows: [[1, 1.5], [1.8, 2.4]],
             tp: [1], fn: [1.8], fp: []),
        Case(name: "debounce chains from each kept detection", detections: [0, 10000, 10900, 11800, 12900, 13000], windows: [[1, 1.5]],
             tp: [], fn: [1], fp: [10, 11.8, 12.9]),
        Case(name: "debounce edge: exactly 1000 ms later is suppressed", detections: [0, 10000, 11000, 11001], windows: [],
             tp: [], fn: [], fp: [10, 11.001]),
        Case(name: "the same millisecond twice counts twice", detections: [0, 10000, 10000], windows: [], tp: [], fn: [], fp: [10, 10]),
        Case(name: "windows in the file's order", detections: [0, 1200, 5200], windows: [[5, 5.5], [1, 1.5]], tp: [5, 1], fn: [], fp: []),
        Case(name: "float boundary: 0.3 s is before 0.1 + 0.2", detections: [0, 300], windows: [[0.30000000000000004, 0.4]],
             tp: [], fn: [0.30000000000000004], fp: [0.3]),
        Case(name: "float boundary: (0.7 + 1) + 1 is 2.7", detections: [0, 2700], windows: [[0.1, 0.7]], tp: [0.1], fn: [], fp: []),
    ]

    @Test(arguments: cases) func scoresAsTheRunner(_ c: Case) throws {
        let r = try WakewordDetectionScore.score(detectionsMilliseconds: c.detections,
                                                 windows: c.windows.map { DetectionWindow(start: $0[0], stop: $0[1]) })
        #expect(r.truePositives == c.tp)
        #expect(r.falseNegatives == c.fn)
        #expect(r.falsePositives == c.fp)
    }

    @Test func theCheckersLine() throws {
        let r = try WakewordDetectionScore.score(detectionsMilliseconds: [0, 1200, 9000],
                                                 windows: [DetectionWindow(start: 1, stop: 1.5), DetectionWindow(start: 4, stop: 4.5)])
        #expect(r.accuracyLine == "Accuracy: 1 True positives, 1 False negatives, 1 False positives")
    }

    @Test func withoutTheSyncMarkerThereIsNothingToScore() {
        #expect(throws: WakewordDetectionScore.Failure.noDetections) {
            try WakewordDetectionScore.score(detectionsMilliseconds: [], windows: [DetectionWindow(start: 1, stop: 2)])
        }
        #expect(throws: WakewordDetectionScore.Failure.badWindow(index: 1)) {
            try WakewordDetectionScore.score(detectionsMilliseconds: [0],
                                             windows: [DetectionWindow(start: 1, stop: 2), DetectionWindow(start: 3, stop: .nan)])
        }
    }

    @Test func aTruthFileThatIsNotTheRunnersFormatIsRefusedByName() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sww-truth-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"[{"wav_file": "a.wav", "length_sec": 10, "detection_windows": [[1.0, 2.0, 3.0]]}]"#.utf8).write(to: url)
        #expect(throws: WakewordTruthError.self) { try WakewordStreamTruth.read(url) }
        do {
            _ = try WakewordStreamTruth.read(url)
        } catch {
            #expect("\(error)".contains(url.path) && "\(error)".contains("has 3 values"), "\(error)")
        }
    }

    @Test(.enabled(if: SharedData.sww != nil, "../shared/sww is absent")) func theRunnersTruthFilesAreRead() throws {
        let root = try #require(SharedData.sww)
        let short = try WakewordStreamTruth.read(root.appendingPathComponent("sww_short_test.json"))
        #expect(short.count == 1 && short[0].wavFile == "short_wav_easy10s.wav" && short[0].lengthSeconds == 10 && short[0].sampleRate == 16000)
        #expect(short[0].windows == Self.three.map { DetectionWindow(start: $0[0], stop: $0[1]) })
        // The closed division scores the long stream's 50 windows (TP + FN = 50).
        let long = try WakewordStreamTruth.read(root.appendingPathComponent("sww_long_test.json"))
        #expect(long.count == 1 && long[0].windows.count == 50)
        let none = try WakewordDetectionScore.score(detectionsMilliseconds: [0], windows: long[0].windows)
        #expect(none.falseNegatives.count == 50 && none.truePositives.isEmpty)
    }
}
