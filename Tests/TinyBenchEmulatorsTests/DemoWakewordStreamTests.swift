import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// The bundled sww01 demo (Datasets/demo/sww01 and models/sww01.tflite): the
/// truth file is the runner's format and fits its stream, and the demo model,
/// played the stream as the emulated DUT plays it and scored as the runner
/// scores, finds most wakewords with few false positives.
struct DemoWakewordStreamTests {
    static let folder = HarnessData.demo.appendingPathComponent("sww01")
    static let truthURL = folder.appendingPathComponent("sww_demo_test.json")

    @Test func truthFileParsesAndItsWindowsLieInsideTheStream() throws {
        let truth = try WakewordStreamTruth.read(Self.truthURL)
        try #require(truth.count == 1)
        let t = truth[0]
        let audio = try PCM16Audio(contentsOf: Self.folder.appendingPathComponent(t.wavFile))
        #expect(audio.sampleRate == 16_000 && t.sampleRate == 16_000)
        #expect(audio.channels == 2, "the interface board plays stereo WAVs")
        let seconds = Double(audio.interleaved.count / audio.channels) / Double(audio.sampleRate)
        #expect(seconds == t.lengthSeconds)
        // Every byte is played: whole 4 KiB refills.
        #expect(audio.dataBytes % WakewordStreamRun.refillBytes == 0)
        #expect((6...8).contains(t.windows.count), "\(t.windows.count) wakewords")
        var previousStop = 0.0
        for w in t.windows {
            #expect(w.start > previousStop && w.start < w.stop && w.stop < t.lengthSeconds, "\(w)")
            // A spoken "marvin" lasts a few tenths of a second.
            #expect((0.2...1.0).contains(w.stop - w.start), "\(w)")
            previousStop = w.stop
        }
        // Both channels are the same (the DUT takes the left one).
        #expect(stride(from: 0, to: audio.interleaved.count, by: 2).allSatisfy { audio.interleaved[$0] == audio.interleaved[$0 + 1] })
    }

    @Test func demoModelFindsTheWakewords() throws {
        let model = try Model(contentsOf: HarnessData.demo.appendingPathComponent("models/sww01.tflite"))
        var dut = try WakewordStreamRun(model: model)
        let input = try WakewordDetector(model: model).interpreter.inputs[0]
        #expect(input.shape == [1, 30, 1, 40])
        #expect(input.quantization?.zeroPoint == -128 && input.quantization?.scale == Float(1) / 255)
        let truth = try WakewordStreamTruth.read(Self.truthURL)[0]
        let audio = try PCM16Audio(contentsOf: Self.folder.appendingPathComponent(truth.wavFile))
        let run = try dut.play(audio)
        #expect(run.frames == audio.interleaved.count / 2 / 512)
        let score = try WakewordDetectionScore.score(detectionsMilliseconds: run.detectionsMilliseconds, windows: truth.windows)
        // Each window's highest wakeword score over the span the runner accepts (frame k is k × 32 ms after the marker).
        let peaks = truth.windows.map { w in
            run.scores.indices.filter { Double($0) * 0.032 >= w.start && Double($0) * 0.032 <= w.stop + 2 }.map { run.scores[$0] }.max() ?? -128
        }
        print("sww01 demo stream, demo model: \(score.accuracyLine); \(run.detectionsMilliseconds.count - 1) pulses; "
              + "missed windows at \(score.falseNegatives) s, false positives at \(score.falsePositives) s; "
              + "peak out[0] per window \(peaks) (threshold \(WakewordDetector.threshold))")
        #expect(score.truePositives.count * 4 >= truth.windows.count * 3, "TP \(score.truePositives.count) of \(truth.windows.count)")
        #expect(score.falsePositives.count <= 2)
    }
}
