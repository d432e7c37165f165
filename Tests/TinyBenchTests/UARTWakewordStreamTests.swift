import Foundation
import Testing
import TinyBench

/// `extract_uart_stream` replies parsed into frames, and the hop-by-hop
/// dialogue, against a scripted link.
@Suite struct UARTWakewordStreamTests {
    /// The reference DUT's lines for `features` and `activations` (C `%+3d`, ", " between).
    static func reply(_ features: [Int], _ activations: [Int]) -> [String] {
        func d(_ v: Int) -> String {
            let s = (v >= 0 ? "+" : "-") + String(abs(v))
            return String(repeating: " ", count: max(0, 3 - s.count)) + s
        }
        return ["m-features-[" + features.map(d).joined(separator: ", ") + "]",
                "m-activations-[" + activations.map(d).joined(separator: ", ") + "]"]
    }

    /// A link that records what is sent and answers from a script.
    final class ScriptedLink: WakewordStreamLink {
        var loads = [[UInt8]]()
        var commands = [(String, Double?)]()
        var answer: (String) throws(DUTError) -> [String]
        var negotiated: Bool?

        init(answer: @escaping (String) throws(DUTError) -> [String]) { self.answer = answer }

        func command(_ text: String, timeout: Double?) throws(DUTError) -> [String] {
            commands.append((text, timeout))
            return try answer(text)
        }
        func loadInput(_ bytes: [UInt8]) throws(DUTError) { loads.append(bytes) }
        func negotiateTransfer(binary: Bool) -> InputTransfer {
            negotiated = binary
            return .hex
        }
    }

    @Test func parsesTheReferenceFormat() throws {
        let features = (0..<40).map { [-128, -5, 0, 7, 42, 127][$0 % 6] }
        let lines = ["chatter"] + Self.reply(features, [127, -128, -127])
        #expect(lines[1].hasPrefix("m-features-[-128,  -5,  +0,  +7, +42, +127, -128"))
        let frame = try UARTWakewordStream.parse(lines, frame: 4)
        #expect(frame.index == 4)
        #expect(frame.features.map(Int.init) == features)
        #expect(frame.activations == [127, -128, -127])
        #expect(frame.isDetection)
        #expect(!(try UARTWakewordStream.parse(Self.reply(features, [115, 0, 0]), frame: 0)).isDetection)
        #expect(try UARTWakewordStream.parse(Self.reply(features, [116, 0, 0]), frame: 0).isDetection)
    }

    @Test(arguments: [
        ("no features", ["m-activations-[+1, +2, +3]"], "no m-features-[...] line"),
        ("two features", UARTWakewordStreamTests.reply(Array(repeating: 0, count: 40), [1, 2, 3])
            + ["m-features-[" + Array(repeating: "+0", count: 40).joined(separator: ", ") + "]"], "2 m-features-[...] lines"),
        ("39 features", UARTWakewordStreamTests.reply(Array(repeating: 1, count: 39), [1, 2, 3]), "holds 39 values, expected 40"),
        ("4 activations", UARTWakewordStreamTests.reply(Array(repeating: 1, count: 40), [1, 2, 3, 4]), "holds 4 values, expected 3"),
        ("out of range", UARTWakewordStreamTests.reply(Array(repeating: 1, count: 39) + [128], [1, 2, 3]), "value 39 of m-features-[...] is ' +128'"),
        ("not a number", [UARTWakewordStreamTests.reply(Array(repeating: 1, count: 40), [1, 2, 3])[0], "m-activations-[+1, x2, +3]"],
         "value 1 of m-activations-[...] is ' x2'"),
        ("empty value", [UARTWakewordStreamTests.reply(Array(repeating: 1, count: 40), [1, 2, 3])[0], "m-activations-[+1, , +3]"],
         "value 1 of m-activations-[...] is ' '"),
        ("cut short", [UARTWakewordStreamTests.reply(Array(repeating: 1, count: 40), [1, 2, 3])[0], "m-activations-[+1, +2, +3"],
         "does not end with ']'"),
        ("four digits", [UARTWakewordStreamTests.reply(Array(repeating: 1, count: 40), [1, 2, 3])[0], "m-activations-[+1, +0002, +3]"],
         "is ' +0002'"),
    ])
    func malformedRepliesAreClearErrors(name: String, lines: [String], reason: String) {
        #expect {
            _ = try UARTWakewordStream.parse(lines, frame: 9)
        } throws: { error in
            let text = (error as? UARTWakewordStream.Failure)?.description ?? ""
            return text.contains("sww01 frame 9: malformed reply to 'extract_uart_stream'") && text.contains(reason)
        }
    }

    @Test func sendsHopsAsLittleEndianLoadsThenExtract() throws {
        var frameNumber = 0
        let link = ScriptedLink { text throws(DUTError) in
            guard text == "extract_uart_stream" else { return [] }
            frameNumber += 1
            return UARTWakewordStreamTests.reply(Array(repeating: frameNumber, count: 40), [frameNumber, 0, -frameNumber])
        }
        var stream = UARTWakewordStream(link: link, timeout: 7)
        #expect(link.negotiated == true)
        try stream.start()
        let samples: [Int16] = (0..<(3 * 512 + 100)).map { Int16(truncatingIfNeeded: $0 &* 97 &- 20000) }
        var seen = [Int]()
        let frames = try stream.stream(samples) { seen.append($0.index) }
        // Whole hops only: the 100 samples left over are not sent.
        #expect(frames.count == 3 && seen == [0, 1, 2] && stream.framesSent == 3)
        #expect(frames.map(\.activations) == [[1, 0, -1], [2, 0, -2], [3, 0, -3]])
        #expect(link.loads.count == 3 && link.loads.allSatisfy { $0.count == 1024 })
        // Sample 512 of the stream is the first of the second hop: little-endian.
        let s = UInt16(bitPattern: samples[512])
        #expect(link.loads[1][0] == UInt8(s & 0xFF) && link.loads[1][1] == UInt8(s >> 8))
        #expect(link.commands.map(\.0) == ["start", "extract_uart_stream", "extract_uart_stream", "extract_uart_stream"])
        #expect(link.commands[0].1 == nil && link.commands[1].1 == 7)
        // At most `frames` frames.
        try stream.start()
        #expect(try stream.stream(samples, frames: 2).count == 2)
    }

    @Test func linkFailuresNameTheFrameAndCommand() throws {
        let link = ScriptedLink { text throws(DUTError) in
            if text == "start" { return [] }
            throw DUTError.timeout(command: text, seconds: 30, lastLine: nil)
        }
        var stream = UARTWakewordStream(link: link)
        try stream.start()
        #expect {
            _ = try stream.send(hop: [Int16](repeating: 0, count: 512))
        } throws: { error in
            let text = (error as? UARTWakewordStream.Failure)?.description ?? ""
            return text.contains("sww01 frame 0, 'extract_uart_stream': no m-ready from the DUT 30.0 s after 'extract_uart_stream'")
        }
        #expect(stream.framesSent == 0)
        #expect(throws: UARTWakewordStream.Failure.hopLength(frame: 0, samples: 511)) {
            _ = try stream.send(hop: [Int16](repeating: 0, count: 511))
        }
        let refusing = ScriptedLink { text throws(DUTError) in throw DUTError.deviceError(command: text, message: "Unknown command: start") }
        var old = UARTWakewordStream(link: refusing, binary: false)
        #expect(refusing.negotiated == false)
        #expect {
            try old.start()
        } throws: { error in
            (error as? UARTWakewordStream.Failure)?.description == "sww01 start, 'start': the DUT rejected 'start': Unknown command: start"
        }
    }
}

/// sww01 is a benchmark the firmware tools name (`firmware generate
/// --benchmark sww01`, a DUT reporting `m-model-[sww01]`), but a stream, not
/// a dataset of files: no file-by-file run takes it.
@Suite struct SWW01BenchmarkTests {
    @Test func namedButNotRunFileByFile() throws {
        #expect(Benchmark.named("sww01") == .sww01 && Benchmark.named("SWW") == .sww01)
        #expect(!Benchmark.all.contains(.sww01))
        #expect(Benchmark.sww01.inputBytes == 1200 && Benchmark.sww01.inputEncoding == .int8)
        let bench = BenchDescription(duts: [.emulated(pty: false)], profile: "nucleo-l4r5zi")
        let request = RunRequest(benchmarks: [.sww01], datasetRoot: URL(fileURLWithPath: "/nonexistent"), settings: SessionSettings(), bench: bench)
        #expect {
            try request.benchmarkList()
        } throws: { error in
            "\(error)" == "unknown benchmark 'sww01'"
        }
        let kws = RunRequest(benchmarks: [.kws01], datasetRoot: URL(fileURLWithPath: "/nonexistent"), settings: SessionSettings(), bench: bench)
        #expect(try kws.benchmarkList() == [.kws01])
    }
}
