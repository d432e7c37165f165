import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// The firmware's sww01 side (Firmware/core/sww_frontend.c and the
/// `extract_uart_stream` / `start` commands of core/dut.c) against the Swift
/// front end and TinyRuntime, which is exactly what the emulated DUT computes.
enum SWWFirmware {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let firmware = package.appendingPathComponent("Firmware")
    static let fixtures = package.appendingPathComponent("Tests/TinyBenchEmulatorsTests/Fixtures/sww-frontend")

    static func installed(_ tool: String) -> Bool {
        ["/usr/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    /// The Cortex-M compiler and QEMU (`make test` installs them; CI has them).
    static let crossTools = installed("arm-none-eabi-gcc") && installed("qemu-system-arm") && installed("make")

    /// The reference model and the runner's 10 s stream, when ../shared has them.
    static let sharedStream: (model: URL, wav: URL, truth: URL)? = {
        guard let sww = SharedData.sww, let conformance = SharedData.conformance else { return nil }
        let model = conformance.appendingPathComponent("sww01/model.tflite"), wav = sww.appendingPathComponent("short_wav_easy10s.wav")
        let files = [model, wav, sww.appendingPathComponent("sww_short_test.json")]
        guard files.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
        return (model, wav, files[2])
    }()

    /// A folder of this run under the temporary folder, `tinybench-sww-*`.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-sww-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `tool` with `arguments`; its output goes through files (no pipe to fill up).
    static func run(_ tool: String, _ arguments: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)"), err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// `tinybench firmware generate` (the library step) for an sww01 model,
    /// then the mps2-an386 firmware over the semihosting link; returns the .elf.
    static func build(model: [UInt8], in dir: URL) throws -> String {
        let (text, _) = try FirmwareGenerator(modelBytes: model, benchmark: .sww01, origin: "sww01 test model").source()
        try Data(text.utf8).write(to: dir.appendingPathComponent("model.c"))
        let make = try run("make", ["-C", firmware.path, "MODEL_C=\(dir.path)/model.c", "OUT=\(dir.path)/build", "LINK=semihosting"], in: dir)
        try #require(make.status == 0, "firmware build failed: \(make.stdout) \(make.stderr)")
        return dir.appendingPathComponent("build/firmware.elf").path
    }

    /// What the emulated DUT computes for `hops` from `start`: the Swift front
    /// end and TinyRuntime, frame by frame.
    static func expected(model: Model, hops: [ArraySlice<Int16>]) throws -> [UARTWakewordStream.Frame] {
        let interpreter = try Interpreter(model: model)
        var frontEnd = StreamingFrontEnd(inputScale: interpreter.inputs[0].quantization?.scale ?? StreamingFrontEnd.referenceInputScale)
        var frames = [UARTWakewordStream.Frame]()
        for (k, hop) in hops.enumerated() {
            let features = frontEnd.eval(hop)
            try interpreter.setInput(frontEnd.modelInput.lazy.map { UInt8(bitPattern: $0) })
            interpreter.invoke()
            frames.append(.init(index: k, features: features, activations: try interpreter.output().map { Int8(bitPattern: $0) }))
        }
        return frames
    }

    static func hops(_ samples: [Int16], count: Int? = nil) -> [ArraySlice<Int16>] {
        let whole = samples.count / 512
        return (0..<min(whole, count ?? whole)).map { samples[($0 * 512)..<($0 * 512 + 512)] }
    }

    /// The fixture signals (int16 little-endian mono), in the manifest's order, end to end.
    static func fixtureSignals() throws -> [Int16] {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("manifest.json"))) as? [String: Any]
        let names = try #require(manifest?["signals"] as? [String])
        var samples = [Int16]()
        for name in names {
            let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name).pcm"))
            samples += stride(from: 0, to: data.count - 1, by: 2).map { Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8) }
        }
        return samples
    }

    /// An sww01-shaped model needing nothing from ../shared: the 30 × 1 × 40
    /// int8 input (the reference model's input scale and zero point), one
    /// FULLY_CONNECTED layer of fixed pseudo-random weights to 3 int8 outputs.
    static func syntheticModel() -> [UInt8] {
        let inputScale = StreamingFrontEnd.referenceInputScale, weightScale: Float = 0.02, outputScale: Float = 0.02
        var seed: UInt32 = 12345
        let weights: [UInt8] = (0..<(3 * 1200)).map { _ in
            seed = seed &* 1_103_515_245 &+ 12345
            return UInt8(bitPattern: Int8(Int((seed >> 16) % 17) - 8))
        }
        let bias: [UInt8] = [Int32(-20000), 1500, 30000].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
        // (shape, type (9 int8, 2 int32), buffer, scale, zero point)
        let tensors: [([Int32], Int8, UInt32, Float, Int64)] = [
            ([1, 30, 1, 40], 9, 0, inputScale, -128), ([3, 1200], 9, 1, weightScale, 0),
            ([3], 2, 2, inputScale * weightScale, 0), ([1, 3], 9, 0, outputScale, 0),
        ]
        let w = FlatBufferWriter()
        return w.finish {
            w.table([
                (0, .uint32(3)),
                (1, .object { w.tables([{ w.table([(0, .int8(9)), (2, .int32(1))]) }]) }),  // FULLY_CONNECTED
                (2, .object {
                    w.tables([{
                        w.table([
                            (0, .object {
                                w.tables(tensors.enumerated().map { i, t in {
                                    w.table([
                                        (0, .object { w.int32Vector(t.0) }),
                                        (1, .int8(t.1)),
                                        (2, .uint32(t.2)),
                                        (3, .object { w.string("t\(i)") }),
                                        (4, .object { w.table([(2, .object { w.floatVector([t.3]) }), (3, .object { w.int64Vector([t.4]) })]) }),
                                    ])
                                } })
                            }),
                            (1, .object { w.int32Vector([0]) }),
                            (2, .object { w.int32Vector([3]) }),
                            (3, .object {
                                w.tables([{
                                    // Builtin options 8: FullyConnectedOptions, all defaults (no activation).
                                    w.table([(0, .uint32(0)), (1, .object { w.int32Vector([0, 1, 2]) }), (2, .object { w.int32Vector([3]) }),
                                             (3, .uint8(8)), (4, .object { w.table([]) })])
                                }])
                            }),
                        ])
                    }])
                }),
                (4, .object {
                    w.tables([{ w.table([]) }, { w.table([(0, .object { w.byteVector(weights) })]) },
                              { w.table([(0, .object { w.byteVector(bias) })]) }])
                }),
            ])
        }
    }

    /// Streams `hops` through the firmware `elf` under QEMU (from `start`)
    /// and returns its frames; checks the firmware says it runs sww01.
    static func streamUnderQEMU(_ elf: String, hops: [ArraySlice<Int16>], binary: Bool = true,
                                check: ((inout UARTWakewordStream, DUTClient) throws -> Void)? = nil) throws -> [UARTWakewordStream.Frame] {
        let device = try QEMUDevice(firmware: elf)
        defer { device.close() }
        // The boot banner first (m-init-done, m-ready): read as a reply it would look like a reset.
        let banner = DUTClient.bootBanner(device)
        #expect(banner.contains("m-init-done"), "\(banner)")
        let client = DUTClient(transport: device)
        let identity = try client.identify()
        #expect(identity.model == "sww01")
        var stream = UARTWakewordStream(link: client, timeout: 60, binary: binary)
        #expect(client.inputTransfer == (binary ? .binary : .hex))
        try check?(&stream, client)
        try stream.start()
        return try stream.stream(Array(hops.joined()))
    }
}

/// The C front end compiled for this machine (`cc`, -ffp-contract=off) on the
/// fixture signals: every int8 feature equal to the fixtures (which the Swift
/// front end equals), and the same tables.
@Suite(.enabled(if: SWWFirmware.installed("cc"), "no C compiler (cc) on this machine: the host build of the sww01 front end is not checked"))
struct FirmwareSWWFrontEndHostTests {
    @Test func theCFrontEndEqualsTheSwiftOneOnEveryFixtureFeature() throws {
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = dir.appendingPathComponent("sww_frontend_test").path
        let core = SWWFirmware.firmware.appendingPathComponent("core")
        let cc = try SWWFirmware.run("cc", ["-std=c11", "-O2", "-fwrapv", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-I", core.path,
                                            core.appendingPathComponent("sww_frontend.c").path,
                                            SWWFirmware.firmware.appendingPathComponent("tests/sww_frontend_test.c").path, "-lm", "-o", program], in: dir)
        try #require(cc.status == 0, "cc failed: \(cc.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: SWWFirmware.fixtures.appendingPathComponent("manifest.json"))) as? [String: Any])
        let names = try #require(manifest["signals"] as? [String])
        let r = try SWWFirmware.run(program, [SWWFirmware.fixtures.path] + names, in: dir)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("total: 0 of 5760 features differ"), "\(r.stdout)")
        var printed = [String: Double]()
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { printed[String(parts[0])] = v }
        }
        // The tables: the same sums as the Swift front end's (StreamingFrontEndTests checks those against the manifest).
        let swift = StreamingFrontEnd()
        #expect(printed["windowChecksum"] == swift.window.reduce(0.0) { $0 + Double($1) })
        #expect(printed["melChecksum"] == swift.melWeights.reduce(0.0) { $0 + Double($1) })
        #expect(printed["windowChecksum"] == manifest["windowChecksum"] as? Double)
        #expect(printed["melCount"] == 987)
    }

    @Test func aDifferentFeatureFailsTheCheck() throws {
        // The comparison can fail: one flipped fixture byte is reported.
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: SWWFirmware.fixtures.appendingPathComponent("chirp.pcm"), to: dir.appendingPathComponent("chirp.pcm"))
        var features = try Data(contentsOf: SWWFirmware.fixtures.appendingPathComponent("chirp.features"))
        features[123] = features[123] &+ 1
        try features.write(to: dir.appendingPathComponent("chirp.features"))
        let program = dir.appendingPathComponent("sww_frontend_test").path
        let core = SWWFirmware.firmware.appendingPathComponent("core")
        let cc = try SWWFirmware.run("cc", ["-std=c11", "-O2", "-ffp-contract=off", "-I", core.path, core.appendingPathComponent("sww_frontend.c").path,
                                            SWWFirmware.firmware.appendingPathComponent("tests/sww_frontend_test.c").path, "-lm", "-o", program], in: dir)
        try #require(cc.status == 0, "cc failed: \(cc.stderr)")
        let r = try SWWFirmware.run(program, [dir.path, "chirp"], in: dir)
        #expect(r.status == 1 && r.stderr.contains("chirp: hop 3 feature 3:") && r.stdout.contains("total: 2 of 960 features differ"),
                "\(r.stdout) \(r.stderr)")
    }
}

/// The sww01 firmware under QEMU (semihosting link), streamed hop by hop with
/// `extract_uart_stream`: features and activations equal, frame by frame, to
/// the Swift front end + TinyRuntime.
@Suite(.serialized, .enabled(if: SWWFirmware.crossTools, "arm-none-eabi-gcc, make or qemu-system-arm is missing (make test installs them)"))
struct FirmwareSWWQEMUTests {
    /// Needs nothing from ../shared: the fixture signals (144 hops) through a
    /// synthetic sww01-shaped model; `start` restarts the stream; hex and
    /// binary transfers carry the same hops; a hop not loaded is an error.
    @Test func syntheticSignalsMatchTheSwiftFrontEndAndRuntime() throws {
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = SWWFirmware.syntheticModel()
        let model = try Model(bytes: bytes)
        let elf = try SWWFirmware.build(model: bytes, in: dir)
        let hops = SWWFirmware.hops(try SWWFirmware.fixtureSignals())
        #expect(hops.count == 144)
        let expected = try SWWFirmware.expected(model: model, hops: hops)
        // The outputs move: a check on constant outputs would prove little.
        #expect(Set(expected.map(\.activations)).count > 20)
        let started = ContinuousClock.now
        let got = try SWWFirmware.streamUnderQEMU(elf, hops: hops) { stream, client in
            // Before any hop is loaded the command is refused, clearly.
            #expect {
                _ = try client.command("extract_uart_stream")
            } throws: { error in
                "\(error)".contains("extract_uart_stream needs `db load 1024`")
            }
            // Some frames, then `start`: the stream begins again from zeros.
            let early = try stream.stream(Array(hops.prefix(5).joined()))
            #expect(early == Array(expected.prefix(5)))
        }
        print("sww01 firmware under QEMU: \(got.count) synthetic frames in \(ContinuousClock.now - started)")
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) where g != e {
            Issue.record("frame \(e.index): firmware \(g.features) \(g.activations), Swift \(e.features) \(e.activations)")
            break
        }
        #expect(got == expected)
        // The hex transfer (`db load 1024` + `db` lines, as a stock runner sends) gives the same frames.
        let hex = try SWWFirmware.streamUnderQEMU(elf, hops: Array(hops.prefix(12)), binary: false)
        #expect(hex == Array(expected.prefix(12)))
    }

    /// The runner's 10 s stream (left channel, the 312 frames the interface
    /// board plays) through the reference model on the firmware: every frame
    /// as the Swift front end + TinyRuntime, and out[0] > 115 frames scored
    /// as the runner scores them: TP 2, FN 1, FP 0 (Docs/sww.md).
    @Test(.enabled(if: SWWFirmware.sharedStream != nil, "../shared/sww or ../shared/conformance/sww01 is absent"))
    func theRunnersStreamMatchesAndScoresAsTheReference() throws {
        let shared = try #require(SWWFirmware.sharedStream)
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = [UInt8](try Data(contentsOf: shared.model))
        let model = try Model(bytes: bytes)
        let elf = try SWWFirmware.build(model: bytes, in: dir)
        let audio = try PCM16Audio(contentsOf: shared.wav)
        // The board plays whole 4 KiB refills only: 312 frames of the 10 s stream.
        let frames = audio.dataBytes / WakewordStreamRun.refillBytes * WakewordStreamRun.refillBytes / (2 * audio.channels) / 512
        #expect(frames == 312)
        let hops = SWWFirmware.hops(StreamingFrontEnd.leftChannel(audio.interleaved), count: frames)
        let expected = try SWWFirmware.expected(model: model, hops: hops)
        let started = ContinuousClock.now
        let got = try SWWFirmware.streamUnderQEMU(elf, hops: hops)
        print("sww01 firmware under QEMU: \(got.count) frames of short_wav_easy10s.wav in \(ContinuousClock.now - started)")
        #expect(got.count == frames)
        for (g, e) in zip(got, expected) where g != e {
            Issue.record("frame \(e.index): firmware \(g.features) \(g.activations), Swift \(e.features) \(e.activations)")
            break
        }
        #expect(got == expected)
        // The DUT's pulses: frame 0 (the sync marker) and every out[0] > 115; frame k at (k + 1) × 32 ms.
        let detections = got.filter { $0.index == 0 || $0.isDetection }.map { ($0.index + 1) * 32 }
        var emulated = try WakewordStreamRun(model: model)
        #expect(try emulated.play(audio).detectionsMilliseconds == detections)
        let truth = try WakewordStreamTruth.read(shared.truth)
        let score = try WakewordDetectionScore.score(detectionsMilliseconds: detections, windows: truth[0].windows)
        #expect(score.accuracyLine == "Accuracy: 2 True positives, 1 False negatives, 0 False positives", "\(score)")
    }
}

/// `UARTWakewordStream` against the emulated reference DUT
/// (`EmulatedWakewordDUT`, its reference-style replies with the `Received
/// command:` echo): the same frames as the Swift front end + TinyRuntime, so
/// the emulated DUT, the firmware and the host helper agree on the format.
@Suite struct UARTWakewordStreamEmulatedDUTTests {
    /// The emulated DUT in this process behind ``Transport``: what is written
    /// is answered at once; the answer waits to be read.
    final class DeviceTransport: Transport {
        let device: EmulatedWakewordDUT
        var pending: [UInt8]
        var endpoint: String { "emulated reference sww DUT" }

        init(_ device: EmulatedWakewordDUT) {
            self.device = device
            pending = device.boot()
        }
        func write(_ bytes: [UInt8]) throws(TransportError) { pending += device.receive(bytes) }
        func read(timeout: Duration) throws(TransportError) -> [UInt8] {
            defer { pending = [] }
            return pending
        }
        func close() {}
    }

    @Test func theEmulatedReferenceDUTAnswersAsTheFirmware() throws {
        let bytes = SWWFirmware.syntheticModel()
        let model = try Model(bytes: bytes)
        let hops = Array(SWWFirmware.hops(try SWWFirmware.fixtureSignals()).prefix(40))
        let transport = DeviceTransport(try EmulatedWakewordDUT(model: model))
        _ = DUTClient.bootBanner(transport, quiet: .milliseconds(1))
        // A fresh reference DUT zeroes its UART stream state at the first
        // `extract_uart_stream`; its `start` is the I2S stream, so not sent here.
        var stream = UARTWakewordStream(link: DUTClient(transport: transport), timeout: 5)
        let got = try stream.stream(Array(hops.joined()))
        #expect(got == (try SWWFirmware.expected(model: model, hops: hops)))
    }
}
