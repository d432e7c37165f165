import Foundation
import Testing
import TestSupport
import TinyRuntime
import TinyBench
import TinyBenchEmulators

/// The emulated sww01 bench driven as the MLCommons runner drives a real one:
/// the reference DUT's commands and output, the enhanced interface board's
/// SD card, pins and timers, and the whole stream step over a
/// pseudo-terminal, against the library's stream run of the same model.
/// Needs the reference sww01 model and the runner's 10 s stream (../shared).
@Suite(.enabled(if: SharedData.sww != nil && SharedData.conformance.map {
    FileManager.default.fileExists(atPath: $0.appendingPathComponent("sww01/model.tflite").path) } == true,
    "../shared/sww or ../shared/conformance/sww01 is absent"))
struct EmulatedWakewordBenchTests {
    static func model() throws -> Model {
        try Model(contentsOf: SharedData.conformance!.appendingPathComponent("sww01/model.tflite"))
    }

    static var streamURL: URL { SharedData.sww!.appendingPathComponent("short_wav_easy10s.wav") }

    /// An SD card holding the 10 s stream (and its truth file, which `ls` lists but the runner skips).
    static func sdCard() throws -> URL {
        let card = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-sdcard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: card, withIntermediateDirectories: true)
        for name in ["short_wav_easy10s.wav", "sww_short_test.json"] {
            try FileManager.default.copyItem(at: SharedData.sww!.appendingPathComponent(name), to: card.appendingPathComponent(name))
        }
        return card
    }

    /// Runs the runner's stream step on a bench with `profile`.
    static func runStep(_ profile: BoardProfile) throws -> (WakewordStreamStep.Outcome, EmulatedWakewordBench) {
        let card = try sdCard()
        defer { try? FileManager.default.removeItem(at: card) }
        let bench = try EmulatedWakewordBench(model: try model(), sdCard: card, profile: profile)
        bench.start()
        defer { bench.stop() }
        let board = try InterfaceBoard(transport: try openSerialPort(path: bench.interfacePath, baud: 115_200))
        defer { board.transport.close() }
        #expect(board.kind == .enhanced)
        var step = WakewordStreamStep(board: board, dut: DUTClient(transport: board.dutTransport()))
        step.settleSeconds = 0
        let truth = try #require(try WakewordStreamTruth.read(card.appendingPathComponent("sww_short_test.json")).first)
        return (try step.run(truth), bench)
    }

    /// A DUT that keeps up (the profile's clock × 10: 5.2 ms a frame) sees
    /// every frame: its scores and detection times are the stream run's, and
    /// the runner's scoring gives TP 2, FN 1, FP 0 as on the reference pipeline.
    @Test func aDUTThatKeepsUpDetectsAsTheReferencePipeline() throws {
        let profile = BoardProfile.nucleoL4R5ZITFLM.clocked(times: 10)
        let (outcome, bench) = try Self.runStep(profile)
        var reference = try WakewordStreamRun(model: try Self.model())
        let expected = try reference.play(try PCM16Audio(contentsOf: Self.streamURL))
        #expect(outcome.activations == expected.scores.map(Int.init))
        let marker = try #require(outcome.detectionsMilliseconds.first)
        let expectedMarker = try #require(expected.detectionsMilliseconds.first)
        #expect(outcome.detectionsMilliseconds.map { $0 - marker } == expected.detectionsMilliseconds.map { $0 - expectedMarker })
        #expect(outcome.score.truePositives.count == 2 && outcome.score.falseNegatives.count == 1 && outcome.score.falsePositives.isEmpty)
        // The board keeps the first 100 frames of the processing pin; the period is the 32 ms frame.
        #expect(outcome.dutyCycleStartTicks.count == 100 && outcome.dutyCycleStopTicks.count == 100)
        let duty = try #require(outcome.dutyCycle)
        #expect(abs(duty.periodSeconds - 0.032) < 2e-5)
        #expect(abs(duty.processingSeconds - bench.dut.inferenceMicroseconds * 1e-6) < 2e-5)
        #expect(abs(duty.dutyCycle - bench.dut.inferenceMicroseconds / 32_000) < 1e-3)
        print("sww emulated bench (clock x10): \(outcome.score.accuracyLine); \(duty.resultLines.joined(separator: "; "))")
    }

    /// The reference-kernel profile needs about 52 ms a frame: the DUT cannot
    /// keep up with 32 ms frames, processes fewer of them (each the audio that
    /// arrived after it re-armed), is busy all the time, and results.txt says so.
    @Test func aDUTThatCannotKeepUpLosesAudioAndSaysSo() throws {
        let (outcome, bench) = try Self.runStep(.nucleoL4R5ZITFLM)
        #expect(bench.dut.inferenceMicroseconds > 32_000)
        let frames = outcome.activations.count
        let expected = Int(10.0 / (bench.dut.inferenceMicroseconds * 1e-6))
        #expect(abs(frames - expected) <= 2, "\(frames) frames processed; about \(expected) expected")
        let duty = try #require(outcome.dutyCycle)
        #expect(duty.dutyCycle > 0.999)
        let results = WakewordResults(manifest: .init(device: bench.device, interface: "emulated", dut: "emulated", truthFile: "t", truthSHA256: ""),
                                      streams: [outcome])
        #expect(results.resultLines.contains { $0.hasPrefix("Warning: the DUT processes a frame in") && $0.contains("cannot keep up") })
        #expect(results.resultLines.contains { $0.hasPrefix("Estimated throughput:") && $0.contains("(emulated:") })
    }

    /// The board's own commands: `ls`, `play` of a file not on the card, and
    /// `print_dutycycle` ending with `m-ready` on its last line of values.
    @Test func boardCommandsAnswerAsTheBoardFirmware() throws {
        let card = try Self.sdCard()
        defer { try? FileManager.default.removeItem(at: card) }
        let bench = try EmulatedWakewordBench(model: try Self.model(), sdCard: card)
        func say(_ text: String) -> String { String(decoding: bench.board.receive(Array((text + "%").utf8)), as: UTF8.self) }
        #expect(say("name") == "tinyML Enhanced Interface Board\r\nm-ready\r\n")
        #expect(say("ls") == "short_wav_easy10s.wav\r\nsww_short_test.json\r\nm-ready\r\n")
        #expect(say("play nothing.wav") == "Attempting to play nothing.wav\nError playing file. Check that the file exists and is a 2-channel wav file.\nm-ready\r\n")
        #expect(say("play sww_short_test.json").contains("Error playing file."))
        #expect(say("print_detections") == "Detection Timestamps (ms)\r\nm-ready\r\n")
        #expect(say("print_dutycycle") == "Duty cycle start times (s)\r\n\r\nDuty cycle stop times (s)\r\nm-ready\r\n")
        _ = bench.dut.receive(Array("start%".utf8))
        #expect(say("record_detections") == "Now recording detections\r\nm-ready\r\n")
        #expect(say("play short_wav_easy10s.wav") == "Attempting to play short_wav_easy10s.wav\nsucceeded.\nm-ready\r\n")
        let dutyCycle = say("print_dutycycle")
        let lines = dutyCycle.components(separatedBy: "\r\n")
        #expect(lines[1].split(separator: ",").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count == 8 && lines[1].hasSuffix(", "))
        #expect(dutyCycle.hasSuffix(", m-ready\r\n"))
        // A DUT that is not streaming receives nothing: no pulses are recorded.
        _ = bench.dut.receive(Array("stop%".utf8))
        _ = say("record_detections")
        _ = say("play short_wav_easy10s.wav")
        #expect(say("print_detections") == "Detection Timestamps (ms)\r\nm-ready\r\n")
    }

    /// The reference DUT's replies: the command echo, `stop`'s activation
    /// rows (16 a line) and the UART streaming command's features and outputs.
    @Test func dutRepliesAsTheReferenceFirmware() throws {
        let dut = try EmulatedWakewordDUT(model: try Self.model())
        func say(_ text: String) -> String { String(decoding: dut.receive(Array((text + "%").utf8)), as: UTF8.self) }
        #expect(say("name") == "Received command: name\r\nm-name-dut-[ML Commons]\r\nm-ready\r\n")
        #expect(say("profile") == "Received command: profile\r\nm-profile-[MLPerf Tiny Firmware V0.1.0]\r\nm-model-[sww01]\r\nm-ready\r\n")
        #expect(say("stop") == "Received command: stop\r\nI2S is already idle.  Ignoring stop request\r\nm-ready\r\n")
        #expect(say("start") == "Received command: start\r\nListening for I2S data ... \r\nDMA receive initiated.\r\nm-ready\r\n")
        #expect(say("start").contains("I2S Rx currently in progress. Ignoring request"))
        let audio = try PCM16Audio(contentsOf: Self.streamURL)
        for k in 0..<17 { _ = try dut.i2sFrame(WakewordStreamRun.hop(k, of: audio), readyAt: Double(k + 1) * 32_000) }
        let stopped = say("stop").components(separatedBy: "\r\n")
        #expect(Array(stopped.prefix(3)) == ["Received command: stop", "Streaming stopped.", "target activations: "])
        #expect(stopped[3].hasPrefix("[") && stopped[3].split(separator: ",").count == 17 && stopped[3].hasSuffix(", "))
        #expect(stopped[4].hasSuffix("  ") && !stopped[4].contains(","))
        #expect(stopped[5] == "]" && stopped[6] == "m-ready")
        #expect(try WakewordReplies.activations(stopped)?.count == 17)

        // extract_uart_stream: one hop loaded with db, then its features and outputs.
        var detector = try WakewordDetector(model: try Self.model())
        for k in 0..<3 {
            let hop = WakewordStreamRun.hop(40 + k, of: audio)
            let bytes = hop.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
            #expect(say("db load 1024").contains("m-[Expecting 1024 bytes]"))
            var loaded = ""
            for chunk in stride(from: 0, to: bytes.count, by: 32) {
                loaded += say("db " + bytes[chunk..<min(chunk + 32, bytes.count)].map { String(format: "%02x", $0) }.joined())
            }
            #expect(loaded.contains("m-load-done"))
            let frame = try detector.process(hop)
            let signed = { (v: Int8) in String(format: "%+3d", Int(v)) }
            let reply = say("extract_uart_stream").components(separatedBy: "\r\n")
            #expect(reply[1] == "m-features-[" + frame.features.map(signed).joined(separator: ", ") + "]")
            #expect(reply[2] == "m-activations-[" + frame.outputs.map(signed).joined(separator: ", ") + "]")
        }
    }
}
