import Foundation
import Testing
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// The emulated DUT against the reference firmware's protocol, byte for byte.
@Suite(.enabled(if: SharedModels.isAvailable, SharedModels.skipReason))
struct EmulatedDUTTests {
    static func dut(_ name: String, start: Double = 0, mode: EmulatedDUT.TimestampMode = .performance) throws -> EmulatedDUT {
        try EmulatedDUT(model: SharedModels.model(name), benchmark: Benchmark.named(name)!, timestampMode: mode,
                        clockStartMicroseconds: start)
    }

    static func send(_ dut: EmulatedDUT, _ text: String) -> [String] {
        String(decoding: dut.receive(Array(text.utf8)), as: UTF8.self)
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    static func load(_ dut: EmulatedDUT, _ bytes: [UInt8], chunk: Int = 30) -> [String] {
        var lines = send(dut, "db load \(bytes.count)%")
        var i = 0
        while i < bytes.count {
            lines += send(dut, "db " + bytes[i..<min(i + chunk, bytes.count)].map { String(format: "%02x", $0) }.joined() + "%")
            i += chunk
        }
        return lines
    }

    @Test func bootNameProfileAndErrors() throws {
        let dut = try Self.dut("kws01")
        #expect(String(decoding: dut.boot(), as: UTF8.self) == "m-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n")
        #expect(Self.send(dut, "name%") == ["m-name-dut-[TinyBench emulated DUT]", "m-ready"])
        #expect(Self.send(dut, "profile%") == ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[kws01]", "m-ready"])
        #expect(Self.send(dut, "bogus 1 2%") == ["e-[Unknown command: bogus]", "m-ready"])
        #expect(Self.send(dut, "db%") == ["e-[Command 'db' requires a subcommand]", "m-ready"])
        #expect(Self.send(dut, "db load%") == ["e-[Command 'db load' requires the # of bytes]", "m-ready"])
        #expect(Self.send(dut, "db load 0%") == ["e-[Command 'db load' must be >0 bytes]", "m-ready"])
        #expect(Self.send(dut, "db load 3%") == ["m-[Expecting 3 bytes]", "m-ready"])
        #expect(Self.send(dut, "db 0a0%") == ["e-[Insufficent number of hex digits]", "m-ready"])
        #expect(Self.send(dut, "db 0azz%") == ["e-[Invalid hex digit 'zz']", "m-ready"])
        #expect(Self.send(dut, "infer 0%") == ["e-[Inference iterations must be >0]", "m-ready"])
        #expect(Self.send(dut, "infer 1 -1%") == ["e-[Inference warmup must be >=0]", "m-ready"])
    }

    @Test func dbLoadPrintAndExtraDigits() throws {
        let dut = try Self.dut("kws01")
        #expect(Self.send(dut, "db load 10%") == ["m-[Expecting 10 bytes]", "m-ready"])
        #expect(Self.send(dut, "db 0001020304%") == ["m-ready"])
        // Digits past the announced size are ignored once loading is done.
        #expect(Self.send(dut, "db 05060708090a0b0c%") == ["m-load-done", "m-ready"])
        #expect(Self.send(dut, "db print%") == ["m-buffer-00-01-02-03-04-05-06-07", "m-buffer-08-09", "m-ready"])
    }

    @Test func commandBufferHolds80Characters() throws {
        let dut = try Self.dut("kws01")
        // 89 characters of an unknown command: the reference keeps the first 80.
        let long = String(repeating: "a", count: 79) + "bcdefghijk"
        #expect(Self.send(dut, long + "%") == ["e-[Unknown command: \(String(repeating: "a", count: 79))b]", "m-ready"])
        // The longest db chunk the host sends fits: "db " and 76 hex digits.
        _ = Self.send(dut, "db load 38%")
        #expect(Self.send(dut, "db " + String(repeating: "ab", count: 38) + "%") == ["m-load-done", "m-ready"])
    }

    @Test func inferTimingAndResultsMatchTheRuntime() throws {
        let name = "kws01"
        let dut = try Self.dut(name)
        let input = try SharedModels.file(name, "cases/003.in")
        #expect(Self.load(dut, input).contains("m-load-done"))
        let lines = Self.send(dut, "infer 70 10%")
        #expect(lines.prefix(3) == ["m-warmup-start-10", "m-warmup-done", "m-infer-start-70"])
        let laps = lines.filter { $0.hasPrefix("m-lap-us-") }.compactMap { UInt32($0.dropFirst(9)) }
        #expect(laps.count == 2)
        let elapsed = Double(LapTimer.elapsedMicroseconds(from: laps[0], to: laps[1]))
        #expect(abs(elapsed - 70 * dut.inferenceMicroseconds) <= 1)
        #expect(lines.suffix(3).first == "m-infer-done" && lines.last == "m-ready")
        // Results: the dequantized golden output with three decimals.
        let golden = try SharedModels.file(name, "cases/003.out")
        let expected = "m-results-[" + golden.map { String(format: "%0.3f", Float(Int32(Int8(bitPattern: $0)) + 128) * 0.00390625) }
            .joined(separator: ",") + "]"
        #expect(lines[lines.count - 2] == expected)
        #expect(Self.send(dut, "results%") == [expected, "m-ready"])
        #expect(Self.send(dut, "tb-raw%") == ["m-tb-raw-[" + golden.map { String(format: "%02x", $0) }.joined() + "]", "m-ready"])
    }

    @Test func lapCounterWrapsAt32Bits() throws {
        // Start the counter so that it wraps half a second into the timed inferences.
        let probe = try Self.dut("ad01")
        _ = Self.load(probe, [UInt8](repeating: 0, count: 2560))
        let dut = try Self.dut("ad01", start: 4_294_967_296 - probe.clockMicroseconds - 500_000)
        _ = Self.load(dut, [UInt8](repeating: 0, count: 2560))
        let laps = Self.send(dut, "infer 100 1%").filter { $0.hasPrefix("m-lap-us-") }.compactMap { UInt32($0.dropFirst(9)) }
        #expect(laps.count == 2 && laps[1] < laps[0])
        #expect(abs(Double(LapTimer.elapsedMicroseconds(from: laps[0], to: laps[1])) - 100 * dut.inferenceMicroseconds) <= 1)
    }

    @Test func energyFirmwarePrintsNoLaps() throws {
        let dut = try Self.dut("kws01", mode: .energy)
        #expect(String(decoding: dut.boot(), as: UTF8.self).hasPrefix("m-timestamp-mode-energy"))
        _ = Self.load(dut, [UInt8](repeating: 0, count: 490))
        let lines = Self.send(dut, "infer 5 1%")
        #expect(!lines.contains { $0.hasPrefix("m-lap-us") })
        #expect(dut.timestamps.count == 2)
    }

    /// ic02 as ic01: uint8 on the wire, as the reference submitter code's th_load_tensor.
    @Test(arguments: ["ic01", "ic02"])
    func visionInputsAreShiftedBy128(name: String) throws {
        let dut = try Self.dut(name)
        #expect(Self.send(dut, "profile%").contains("m-model-[\(name)]"))
        let golden = try SharedModels.file(name, "cases/005.in")   // int8 pixels
        _ = Self.load(dut, golden.map { $0 ^ 0x80 })                 // as uint8 on the wire
        _ = Self.send(dut, "infer 1 0%")
        let raw = Self.send(dut, "tb-raw%")[0]
        let expected = try SharedModels.file(name, "cases/005.out")
        #expect(raw == "m-tb-raw-[" + expected.map { String(format: "%02x", $0) }.joined() + "]")
    }

    /// ad01: quantize the floats, run, MSE between the dequantized output and the floats.
    @Test func anomalyScoreIsTheReconstructionError() throws {
        let model = try SharedModels.model("ad01")
        let dut = try EmulatedDUT(model: model, benchmark: .ad01)
        var floats = [Float]()
        for i in 0..<640 { floats.append(Float(i % 37) * 0.25 - 3) }
        _ = Self.load(dut, floats.flatMap { f in (0..<4).map { UInt8(truncatingIfNeeded: f.bitPattern >> (8 * UInt32($0))) } })
        let line = Self.send(dut, "infer 1 0%").first { $0.hasPrefix("m-results-") }!
        // Independent computation with the runtime.
        let interpreter = try Interpreter(model: model)
        let iq = interpreter.inputs[0].quantization!, oq = interpreter.outputs[0].quantization!
        try interpreter.setInput(floats.map { x -> UInt8 in
            UInt8(bitPattern: Int8(clamping: Int32((x / iq.scale).rounded(.toNearestOrAwayFromZero)) + iq.zeroPoint))
        })
        interpreter.invoke()
        let y = try interpreter.output().map { Float(Int32(Int8(bitPattern: $0)) - oq.zeroPoint) * oq.scale }
        let mse = zip(floats, y).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 640
        #expect(line == "m-results-[\(String(format: "%0.3f", mse))]")
    }

    @Test func resetPrintsTheBannerAndClearsTheBuffer() throws {
        let dut = try Self.dut("kws01")
        _ = Self.send(dut, "db load 4%")
        _ = Self.send(dut, "db 0102%")
        #expect(String(decoding: dut.reset(), as: UTF8.self).contains("m-init-done"))
        #expect(Self.send(dut, "db print%") == ["m-ready"])
    }

    /// The nucleo-l4r5zi-tflm profile estimates the published reference latencies within ±25 %.
    @Test(arguments: [("kws01", 181.9), ("vww01", 600.6), ("ic01", 704.2), ("ad01", 10.05)])
    func costModelIsCalibrated(name: String, referenceMilliseconds: Double) throws {
        let estimate = BoardProfile.nucleoL4R5ZITFLM.inferenceMicroseconds(try SharedModels.model(name)) / 1000
        #expect(abs(estimate - referenceMilliseconds) / referenceMilliseconds <= 0.25,
                "\(name): \(estimate) ms vs \(referenceMilliseconds) ms")
        print("cost model \(name): \(String(format: "%.1f", estimate)) ms emulated vs \(referenceMilliseconds) ms published (\(String(format: "%+.1f", (estimate / referenceMilliseconds - 1) * 100)) %)")
    }

    /// ic02 has no published reference latency yet: its estimate comes from the
    /// same coefficients, so it is ic01's scaled by the work, about 6 times the
    /// MACs (76.6 M against 12.5 M) with larger feature maps.
    @Test func ic02IsEstimatedFromTheSameCostModel() throws {
        let profile = BoardProfile.nucleoL4R5ZITFLM
        let ic01 = profile.inferenceMicroseconds(try SharedModels.model("ic01"))
        let ic02 = profile.inferenceMicroseconds(try SharedModels.model("ic02"))
        #expect(ic02 / ic01 > 5 && ic02 / ic01 < 7, "ic02 \(ic02) µs vs ic01 \(ic01) µs")
        print("cost model ic02: \(String(format: "%.1f", ic02 / 1000)) ms emulated (no published reference)")
    }
}

/// The emulated DUT's clock charged for many bytes at once equals charging them one by one.
struct EmulatedClockTests {
    @Test func manyBytesAtOnceEqualOneByOne() {
        var generator = SystemRandomNumberGenerator()
        let bauds = [9600, 115_200, 921_600, 1_000_000, 3_000_000, 7]
        let starts: [Double] = [0, 1, 86.80555555555556, 4_294_967_000, 0x1p32 - 0.5, 0x1p20 - 3, 0x1p40, 123_456.789]
        for baud in bauds {
            let step = Double(1) * 10 / Double(baud) * 1e6
            for start in starts + (0..<20).map({ _ in Double.random(in: 0..<1e9, using: &generator) }) {
                for times in [0, 1, 2, 3, 81, 2561, 27_648, Int.random(in: 0..<200_000, using: &generator)] {
                    var expected = start
                    for _ in 0..<times { expected += step }
                    let bulk = EmulatedDUT.clock(start, afterAdding: step, times: times)
                    #expect(bulk.bitPattern == expected.bitPattern, "baud \(baud), start \(start), \(times) bytes")
                }
            }
        }
    }

    /// Steps that fall halfway between two multiples of the clock's ulp round by the clock's last bit.
    @Test func halfwayStepsEqualOneByOne() {
        for start in [0x1p52, 0x1p52 + 1, 0x1p53 - 7] {
            for step in [0.5, 1.5, 2.5, 0.25, 3.0] {
                var expected = start
                for _ in 0..<1000 { expected += step }
                #expect(EmulatedDUT.clock(start, afterAdding: step, times: 1000).bitPattern == expected.bitPattern, "start \(start), step \(step)")
            }
        }
    }
}

/// The results' `%0.3f` without a format string equals the C library's.
struct ThreeDecimalsTests {
    @Test func equalsPrintf() {
        var generator = SystemRandomNumberGenerator()
        // Exact ties (odd multiples of 1/2000 that a float holds), signs, zeros, extremes.
        var values: [Float] = [0, -0, 0.0625, 0.1875, -0.0625, 2.5625, 0.0005, -0.0004, 1e-30, -1e-30,
                               999.9995, 1e9, 3.4e38, -3.4e38, .infinity, -.infinity, .nan, .leastNonzeroMagnitude]
        values += (0..<2000).map { Float(2 * $0 + 1) * 125 / 2000 * ($0 % 2 == 0 ? 1 : -1) }
        values += (0..<20_000).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
        values += (0..<20_000).map { _ in Float.random(in: -2...2, using: &generator) }
        for x in values {
            #expect(ThreeDecimals.text(x) == String(format: "%0.3f", Double(x)), "\(x) (bits \(x.bitPattern))")
        }
    }
}
