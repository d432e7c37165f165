import Foundation
import Testing
import TestSupport
import TinyRuntime
import TinyBench
import TinyBenchEmulators

/// The front end and the reference sww01 model (TinyRuntime) over the
/// runner's 10 s stream, as the reference DUT runs them: one inference per
/// 512-sample hop of the left channel, a detection when `out[0] > 115`.
/// Needs ../shared (conformance/sww01/model.tflite, sww/short_wav_easy10s.wav).
@Suite(.enabled(if: SharedData.sww != nil && SharedData.conformance.map {
    FileManager.default.fileExists(atPath: $0.appendingPathComponent("sww01/model.tflite").path) } == true,
    "../shared/sww or ../shared/conformance/sww01 is absent"))
struct StreamingFrontEndStreamTests {
    /// The oracle's features of a WAV's first seconds, computed now (python3
    /// with numpy; nil when either is missing).
    static func oracleFeatures(_ wav: URL, seconds: Int) -> [[Int]]? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/sww-frontend/oracle.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--wav", wav.path, String(seconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [[Int]]
    }

    @Test func streamsMatchTheOracle() throws {
        for (name, seconds) in [("short_wav_easy10s.wav", 10), ("marvin_617de221_0.wav", 1)] {
            let url = SharedData.sww!.appendingPathComponent(name)
            guard let expected = Self.oracleFeatures(url, seconds: seconds) else {
                print("sww front end: python3 with numpy is unavailable; oracle comparison on \(name) skipped")
                return
            }
            let left = StreamingFrontEnd.leftChannel(try PCM16Audio(contentsOf: url).interleaved)
            var fe = StreamingFrontEnd()
            var differ = 0, total = 0
            for (k, row) in expected.enumerated() {
                let got = fe.eval(left[(k * 512)..<(k * 512 + 512)])
                for (a, b) in zip(got, row) where Int(a) != b {
                    differ += 1
                    #expect(abs(Int(a) - b) <= 1, "\(name) frame \(k): \(a) vs oracle \(b)")
                }
                total += row.count
            }
            print("sww front end vs oracle, \(name): \(differ) of \(total) features differ by 1")
            #expect(total == seconds * 16000 / 512 * 40)
            // Observed exact on both (13,720 features); a difference would be FFT rounding, 1 step.
            #expect(differ == 0, "\(differ) of \(total) features differ from the oracle")
        }
    }

    @Test func easyStreamDetectionsAsTheNotesPredict() throws {
        let model = try Model(contentsOf: SharedData.conformance!.appendingPathComponent("sww01/model.tflite"))
        var dut = try WakewordStreamRun(model: model)
        let inputScale = try #require(try WakewordDetector(model: model).interpreter.inputs[0].quantization).scale
        #expect(inputScale == StreamingFrontEnd.referenceInputScale)
        let stream = try PCM16Audio(contentsOf: SharedData.sww!.appendingPathComponent("short_wav_easy10s.wav"))
        #expect(stream.channels == 2 && stream.sampleRate == 16000)
        let run = try dut.play(stream)
        // The board plays whole 4 KiB refills only: 312 frames of the 10 s stream.
        #expect(run.frames == 312 && run.scores.count == 312)
        // Frame k's pulse is k * 32 ms after the sync pulse of frame 0.
        func peak(_ from: Double, _ to: Double) -> Int8 {
            run.scores.indices.filter { Double($0) * 0.032 >= from && Double($0) * 0.032 <= to }.map { run.scores[$0] }.max()!
        }
        print("sww easy stream: detections at \(run.detectionsMilliseconds) ms after play")
        #expect(peak(1.0, 3.65) == 127)
        #expect(peak(4.0, 6.77) == 116)
        #expect(peak(7.0, 9.4) == 104)
        let marker = try #require(run.detectionsMilliseconds.first)
        #expect(marker == 32)
        let window2 = run.detectionsMilliseconds.dropFirst().map { Double($0 - marker) / 1000 }.filter { $0 >= 4.0 && $0 <= 6.77 }
        #expect(window2 == [4.992])
        // Scored as the runner scores it: the expected outcome of the notes (TP 2, FN 1, FP 0).
        let truth = try WakewordStreamTruth.read(SharedData.sww!.appendingPathComponent("sww_short_test.json"))
        let score = try WakewordDetectionScore.score(detectionsMilliseconds: run.detectionsMilliseconds, windows: truth[0].windows)
        #expect(score.accuracyLine == "Accuracy: 2 True positives, 1 False negatives, 0 False positives", "\(score)")
        #expect(score.falseNegatives == [7.0])
    }
}
