import Foundation
import Testing
import TinyBench

/// The monitors' data formats and the energy window rule, on hand-made inputs.
struct EnergyFormatTests {
    @Test func asciiDecimalValues() {
        #expect(LPM01AFormat.decimal("2712-09") == 2712e-9)
        #expect(LPM01AFormat.decimal("6409-07") == 6409e-7)
        #expect(LPM01AFormat.decimal("1000+02") == 1000e2)
        for bad in ["2712-9", "271-09", "2712x09", "27120-09", "", "abcd-09"] {
            #expect(LPM01AFormat.decimal(Substring(bad)) == nil, "\(bad)")
        }
        #expect(LPM01AFormat.decimalText(2.712e-6) == "2712-09")
        #expect(LPM01AFormat.decimalText(1e-3) == "1000-06")
        #expect(LPM01AFormat.decimalText(9.99951e-5) == "1000-07")   // rounds up into the next decade
        for v in [4.0508e-5, 1.2345e-2, 7.77e-9, 0.5] {
            let back = LPM01AFormat.decimal(Substring(LPM01AFormat.decimalText(v)))!
            #expect(abs(back / v - 1) < 5e-4, "\(v)")
        }
    }

    @Test func binHexaWordsAndMetadataAcrossChunks() {
        var decoder = LPM01AFormat.BinaryDecoder()
        // 52 A0 = 672 × 16⁻⁵ A; an F3 timestamp packet; 41 00 = 256 × 16⁻⁴ split over two reads.
        var items = decoder.feed([0x52, 0xA0, 0xF0, 0xF3, 0x00, 0x00, 0x03, 0xE8, 0x05, 0xFF, 0xFF, 0x41])
        items += decoder.feed([0x00])
        let expected: [LPM01AFormat.BinaryItem] = [.value(672.0 / 1_048_576), .metadata(type: 0xF3, body: [0, 0, 3, 0xE8, 5]), .value(256.0 / 65_536)]
        #expect(items == expected)
        // A packet cut in two waits for its end.
        #expect(decoder.feed([0xF0, 0xF4]).isEmpty)
        #expect(decoder.feed([0xFF, 0xFF]) == [.metadata(type: 0xF4, body: [])])
    }

    @Test func ppk2SampleWords() {
        let s = PPK2Sample(word: UInt32(0x88) | UInt32(0x53) << 8 | UInt32(0x14) << 16 | UInt32(0x01) << 24)
        #expect(s == PPK2Sample(adc: 5000, range: 1, counter: 5, logic: 1))
        #expect(PPK2Sample(word: s.word) == s)
    }

    @Test func ppk2CalibrationFormula() throws {
        var text = ""
        for (key, values) in [("R", [1031.64, 101.65, 10.15, 0.94, 0.043]), ("GS", [0, 0, 0, 0.02, 0]), ("GI", [1, 1, 1, 0.995, 1]),
                              ("O", [0, 0, 0, 96, 0]), ("S", [0, 0, 0, 1e-6, 0]), ("I", [0, 0, 0, 2e-6, 0]), ("UG", [1, 1, 1, 1.002, 1])] {
            for (n, v) in values.enumerated() { text += "\(key)\(n): \(v)\n" }
        }
        let c = try PPK2Calibration(metadata: text + "VDD: 3000\nHW: 7\n")
        // (1200 − 96) × 1.8/163840 / 0.94 through Nordic's formula, computed in Python.
        #expect(abs(c.current(adcField: 300, range: 3) - 0.012872599904263635) < 1e-15)
        #expect(c.hardware == "7")
        #expect(throws: EnergyMonitorError.self) { try PPK2Calibration(metadata: "R0: 1\nEND") }
    }
}

struct EnergyWindowAnalysisTests {
    static func trace(_ n: Int, events: [Int], numbers: [Int?]? = nil, gaps: [SampleGap] = [], period: Double = 1e-3) -> EnergyTrace {
        var t = EnergyTrace(samplePeriod: period)
        t.energies = (0..<n).map { $0 % 2 == 0 ? 1e-6 : 3e-6 }
        t.events = events.enumerated().map { TimestampEvent(sampleIndex: $0.element, number: numbers?[$0.offset]) }
        t.gaps = gaps
        return t
    }

    @Test func energyBetweenTheTwoEvents() {
        let a = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000, 13_000], numbers: [1, 2]), inferences: 10, minimumSeconds: 10)
        #expect(a.valid && a.problems.isEmpty)
        #expect(a.seconds == 12)
        #expect(abs(a.joules! - 12_000 * 2e-6) < 1e-12)
        #expect(abs(a.microjoulesPerInference! - 2400) < 1e-6)
        #expect(abs(a.averagePowerWatts! - 2e-3) < 1e-12)
    }

    @Test func whatMakesAWindowInvalid() {
        let lost = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000]), inferences: 10, minimumSeconds: 10)
        #expect(!lost.valid && lost.problems[0].contains("lost timestamp event") && lost.microjoulesPerInference == nil)
        let extra = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [10, 1000, 13_000]), inferences: 10, minimumSeconds: 10)
        #expect(!extra.valid && extra.problems[0].contains("3 timestamp events"))
        let skipped = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000, 13_000], numbers: [1, 3]), inferences: 10, minimumSeconds: 10)
        #expect(!skipped.valid && skipped.problems[0].contains("not consecutive"))
        let dropped = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000, 13_000], gaps: [SampleGap(sampleIndex: 5000, missing: 3)]),
                                           inferences: 10, minimumSeconds: 10)
        #expect(!dropped.valid && dropped.problems[0].contains("3 sample(s) dropped"))
        let outside = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000, 13_000], gaps: [SampleGap(sampleIndex: 15_000, missing: 3)]),
                                           inferences: 10, minimumSeconds: 10)
        #expect(outside.valid, "a gap after the window does not matter")
        let short = EnergyWindowAnalysis(trace: Self.trace(20_000, events: [1000, 9000]), inferences: 10, minimumSeconds: 10)
        #expect(!short.valid && short.problems[0].contains("shorter than 10"))
        var garbled = Self.trace(20_000, events: [1000, 13_000])
        garbled.energies[2000] = .nan
        let g = EnergyWindowAnalysis(trace: garbled, inferences: 10, minimumSeconds: 10)
        #expect(!g.valid && g.problems[0].contains("unreadable"))
    }
}

/// The interface board client and the DUT protocol client over it, against a
/// scripted board that answers like the STM32H573I-DK firmware.
struct InterfaceBoardTests {
    final class ScriptedBoard: Transport {
        let endpoint = "scripted interface board"
        var pending = [UInt8]()
        var command = [UInt8]()
        var received = [String]()
        let name: String

        init(name: String) { self.name = name }

        func write(_ bytes: [UInt8]) throws(TransportError) {
            for b in bytes {
                guard b == UInt8(ascii: "%") else { command.append(b); continue }
                let text = String(decoding: command, as: UTF8.self)
                command.removeAll()
                received.append(text)
                var lines = [String]()
                if text == "name" { lines = [name, "m-ready"] }
                if text == "checkbaud" { lines = ["baud is: 9600", "m-ready"] }
                if text.hasPrefix("dut ") {
                    let dut = String(text.dropFirst(4))
                    lines = ["m-dut-passthrough(\(dut))", "m-ready"]
                    let reply = dut == "name" ? ["m-name-dut-[scripted]"] : dut == "profile" ? ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[kws01]"] : ["e-[Unknown command: \(dut)]"]
                    lines += (reply + ["m-ready"]).map { "[dut]: " + $0 }
                }
                pending += Array(lines.map { $0 + "\r\n" }.joined().utf8)
            }
        }

        func read(timeout: Duration) throws(TransportError) -> [UInt8] {
            defer { pending.removeAll() }
            return pending
        }

        func close() {}
    }

    @Test func theDUTClientWorksUnchangedThroughTheBoard() throws {
        let board = ScriptedBoard(name: "tinyML Enhanced Interface Board")
        let interface = try InterfaceBoard(transport: board)
        #expect(interface.kind == .enhanced)
        #expect(try interface.dutBaud() == 9600)
        let client = DUTClient(transport: interface.dutTransport())
        let identity = try client.identify()
        #expect(identity.name == "scripted" && identity.model == "kws01")
        #expect(board.received.contains("dut name") && board.received.contains("dut profile"))
        #expect(throws: DUTError.self) { try client.command("bogus") }
    }

    @Test func anyOtherNameIsTheArduinoIOManager() throws {
        let interface = try InterfaceBoard(transport: ScriptedBoard(name: "io-manager"))
        #expect(interface.kind == .arduino)
        #expect(try interface.dutBaud() == nil)
    }

    @Test func monitorSpecifications() throws {
        #expect(try MonitorSpec.parse("lpm01a:/dev/ttyACM1") == MonitorSpec(kind: .lpm01a, port: "/dev/ttyACM1"))
        #expect(try MonitorSpec.parse("PPK2:/dev/ttyACM2") == MonitorSpec(kind: .ppk2, port: "/dev/ttyACM2"))
        #expect(throws: EnergyMonitorError.self) { try MonitorSpec.parse("lpm01a") }
        #expect(throws: EnergyMonitorError.self) { try MonitorSpec.parse("otii:/dev/x") }
        // The emulated lab hosts the monitor: the kind alone is enough.
        #expect(try MonitorSpec.parse("ppk2", portRequired: false) == MonitorSpec(kind: .ppk2))
        let js = try MonitorSpec.parse("js220", voltage: 1.8)
        #expect(js.settings == MonitorSettings(voltage: 1.8, sampleRateHz: JS220.sampleRate, edge: .rising))
    }
}

struct JS220ProtocolTests {
    @Test func frameHeadersAndPublishes() throws {
        let p = JS220Protocol.Publish.u32("c/!ping", 1)
        let frame = JS220Protocol.Frame(id: 0x1234, port: 1, payload: p.payload)
        let bytes = frame.bytes
        // frame id 0x1234, length 44 (36 + 8) at bit 16, port 1 at bit 25
        #expect(JS220Protocol.u32(bytes, 0) == 0x1234 | 44 << 16 | 1 << 25)
        #expect(bytes.count == 48 && Array(bytes[4..<11]) == Array("c/!ping".utf8) && bytes[11] == 0 && bytes[36] == 10)
        #expect(JS220Protocol.Frame(bytes) == frame)
        #expect(JS220Protocol.Publish(payload: frame.payload) == p && p.u32Value == 1)
        #expect(JS220Protocol.Frame(Array(bytes.prefix(20))) == nil, "a header whose length runs past the data")
        #expect(JS220Protocol.Publish.string("s/i/range/mode", "auto").stringValue == "auto")
        #expect(JS220Protocol.version(1 << 24 | 3 << 16 | 2) == "1.3.2")
    }

    @Test func noJS220ConnectedIsAClearError() {
        #expect {
            _ = try MonitorSpec(kind: .js220).open()
        } throws: { error in
            "\(error)".contains("16d0:10ba") || "\(error)".contains("libusb")
        }
    }
}
