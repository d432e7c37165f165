import Foundation
import Testing
import TinyBench

/// A DUT whose replies are written by the test, in the dialects real
/// firmware produces: any line ending, NUL padding, echoed commands,
/// unrelated chatter, and replies arriving in arbitrary pieces.
final class ScriptedDUT: Transport {
    struct Dialect {
        var ending = "\r\n"
        var echo = false
        var nulPadding = false
        var chatter = false
        var pieceSize = 1000
    }
    let dialect: Dialect
    var endpoint: String { "scripted" }
    var model = "kws01"
    var laps: (UInt32, UInt32) = (4_294_967_000, 1704)
    /// Added to the byte at this position as it is stored (a transfer damaged on the way).
    var damage: Int?
    private var buffer = [UInt8]()
    private var command = [UInt8]()
    private var outgoing = [UInt8]()
    private var expected = 0
    private var received = 0

    init(_ dialect: Dialect, banner: Bool = true) {
        self.dialect = dialect
        if banner { emit(["m-timestamp-mode-performance", "m-init-done", "m-ready"]) }
    }

    private func emit(_ lines: [String]) {
        for line in lines {
            if dialect.chatter { outgoing += Array("[debug] heap ok\(dialect.ending)".utf8) }
            outgoing += Array((line + dialect.ending).utf8)
            if dialect.nulPadding { outgoing += [0, 0] }
        }
    }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        for b in bytes {
            guard b == UInt8(ascii: "%") else { command.append(b); continue }
            let text = String(decoding: command, as: UTF8.self)
            command.removeAll()
            if dialect.echo { outgoing += Array((text + "%" + dialect.ending).utf8) }
            emit(reply(to: text) + ["m-ready"])
        }
    }

    private func reply(to text: String) -> [String] {
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "name": return ["m-name-dut-[scripted board]"]
        case "profile": return ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[\(model)]"]
        case "db" where words.count == 3 && words[1] == "load":
            expected = Int(words[2]) ?? 0
            received = 0
            buffer = []
            return ["m-[Expecting \(expected) bytes]"]
        case "db" where words == ["db", "print"]:
            return stride(from: 0, to: buffer.count, by: 16).map { start in
                "m-buffer-" + buffer[start..<min(start + 16, buffer.count)].map { String(format: "%02x", $0) }.joined(separator: "-")
            }
        case "db" where words.count == 2:
            let hex = Array(words[1].utf8)
            for i in stride(from: 0, to: hex.count - 1, by: 2) {
                var byte = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) ?? 0
                if buffer.count == damage { byte &+= 1 }
                buffer.append(byte)
            }
            received += hex.count / 2
            return received >= expected ? ["m-load-done"] : []
        case "infer":
            return ["m-warmup-start-\(words[2])", "m-warmup-done", "m-infer-start-\(words[1])",
                    "m-lap-us-\(laps.0)", "m-lap-us-\(laps.1)", "m-infer-done", "m-results-[0.125,0.875]"]
        default: return ["e-[Unknown command: \(text)]"]
        }
    }

    func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        let n = min(dialect.pieceSize, outgoing.count)
        defer { outgoing.removeFirst(n) }
        return Array(outgoing.prefix(n))
    }

    func close() {}
}

struct DUTClientTests {
    static let dialects: [ScriptedDUT.Dialect] = [
        .init(),
        .init(ending: "\n"),
        .init(ending: "\r"),
        .init(ending: "\n\r", pieceSize: 3),
        .init(ending: "\r\n", echo: true, nulPadding: true, chatter: true, pieceSize: 1),
        .init(ending: "\n", echo: true, chatter: true, pieceSize: 7),
    ]

    @Test(arguments: dialects.indices)
    func everyDialectGivesTheSameAnswers(dialect: Int) throws {
        let dut = ScriptedDUT(Self.dialects[dialect])
        let client = DUTClient(transport: dut)
        let boot = DUTClient.bootBanner(dut, quiet: .milliseconds(1))
        #expect(boot.contains("m-init-done"))
        let identity = try client.identify(bootLines: boot)
        #expect(identity.name == "scripted board" && identity.model == "kws01" && !identity.energyTimestamps)
        #expect(identity.profile == "ULPMark for tinyML Firmware V0.0.1")
        try client.load([UInt8](repeating: 0xab, count: 100))
        let reply = try client.infer(10, warmup: 2)
        #expect(reply.results == [0.125, 0.875])
        // The 32-bit microsecond counter wrapped inside the window.
        #expect(reply.elapsedMicroseconds == 2000)
        #expect(throws: DUTError.deviceError(command: "bogus", message: "Unknown command: bogus")) { try client.command("bogus") }
        try client.resynchronise()
        #expect(try client.identify().model == "kws01")
    }

    @Test func dbChunksFillTheCommandBuffer() throws {
        final class Recorder: Transport {
            let inner = ScriptedDUT(.init(), banner: false)
            var commands = [String]()
            var endpoint: String { "recorder" }
            func write(_ bytes: [UInt8]) throws(TransportError) {
                commands.append(String(decoding: bytes, as: UTF8.self))
                try inner.write(bytes)
            }
            func read(timeout: Duration) throws(TransportError) -> [UInt8] { try inner.read(timeout: timeout) }
            func close() {}
        }
        let recorder = Recorder()
        try DUTClient(transport: recorder).load([UInt8](repeating: 1, count: 490))
        let db = recorder.commands.filter { $0.hasPrefix("db ") && !$0.hasPrefix("db load") }
        #expect(db.count == 13)   // 12 × 38 bytes + 34
        #expect(db.allSatisfy { $0.count - 1 <= 79 })
        #expect(db.first!.count - 1 == 79)
    }

    @Test func garbledLapsAreRejectedAndEnergyFirmwareHasNone() throws {
        let dut = ScriptedDUT(.init(), banner: false)
        let client = DUTClient(transport: dut)
        dut.laps = (1000, 0)
        #expect(try client.infer(1, warmup: 0).elapsedMicroseconds == 4_294_966_296)
        final class Editor: Transport {
            let inner = ScriptedDUT(.init(), banner: false)
            let edit: (String) -> String
            init(_ edit: @escaping (String) -> String) { self.edit = edit }
            var endpoint: String { "editor" }
            func write(_ bytes: [UInt8]) throws(TransportError) { try inner.write(bytes) }
            func read(timeout: Duration) throws(TransportError) -> [UInt8] {
                Array(edit(String(decoding: try inner.read(timeout: timeout), as: UTF8.self)).utf8)
            }
            func close() {}
        }
        for garble in ["m-lap-us-12x4", "m-lap-us-+1704", "m-lap-us-"] {
            let client = DUTClient(transport: Editor { $0.replacingOccurrences(of: "m-lap-us-1704", with: garble) })
            #expect(throws: DUTError.self) { try client.infer(1, warmup: 0) }
        }
        let energy = DUTClient(transport: Editor { $0.split(separator: "\r\n").filter { !$0.hasPrefix("m-lap-us") }.map { $0 + "\r\n" }.joined() })
        #expect(try energy.infer(1, warmup: 0).laps == nil)
    }

    /// An input transfer is one log line (bytes, db commands, read-back
    /// outcome) whatever the firmware's dialect; lines that are no part of
    /// the transfer (chatter, echoes) are still logged, and the wire
    /// callback sees every byte both ways.
    @Test(arguments: dialects.indices)
    func aTransferIsOneLogLine(dialect: Int) throws {
        let client = DUTClient(transport: ScriptedDUT(Self.dialects[dialect], banner: false))
        var log = [String]()
        var sent = [UInt8](), received = [UInt8]()
        client.log = { log.append($0) }
        client.wire = { direction, bytes in
            if direction == .sent { sent += bytes } else { received += bytes }
        }
        try client.load((0..<100).map { UInt8(truncatingIfNeeded: $0 * 37) }, readBack: true)
        #expect(log.filter { $0.hasPrefix("> ") } == ["> load 100 bytes in 3 db commands, read back: identical"])
        let acknowledgements = ["< m-ready", "< m-load-done", "< m-[Expecting", "< m-buffer-"]
        #expect(!log.contains { line in acknowledgements.contains { line.hasPrefix($0) } }, "\(log)")
        if dialect == 0 { #expect(log.count == 1, "\(log)") }
        if Self.dialects[dialect].chatter { #expect(log.contains("< [debug] heap ok")) }
        let wire = String(decoding: sent, as: UTF8.self)
        #expect(wire.hasPrefix("db load 100%db 00254a6f") && wire.hasSuffix("%db print%"))
        #expect(wire.components(separatedBy: "%").count - 1 == 5)
        let replies = String(decoding: received.filter { $0 != 0 }, as: UTF8.self)
        #expect(replies.contains("m-load-done") && replies.contains("m-buffer-00-25-4a-6f"))
    }

    @Test func aDamagedTransferSaysWhereAndIsAnError() throws {
        let dut = ScriptedDUT(.init(), banner: false)
        let client = DUTClient(transport: dut)
        var log = [String]()
        client.log = { log.append($0) }
        dut.damage = 40
        #expect(throws: DUTError.self) { try client.load([UInt8](repeating: 7, count: 100), readBack: true, attempt: 2) }
        #expect(log == ["> load 100 bytes in 3 db commands (attempt 2), read back: DIFFERENT (100 bytes held, the first difference at byte 40)"])
        log.removeAll()
        var sent = [UInt8]()
        client.wire = { if $0 == .sent { sent += $1 } }
        try client.load([UInt8](repeating: 7, count: 100))
        #expect(log == ["> load 100 bytes in 3 db commands, not read back"])
        #expect(!String(decoding: sent, as: UTF8.self).contains("db print"))
    }

    /// A DUT that refuses a `db` command mid-transfer: the line says how far
    /// the transfer got, the error says why.
    @Test func aTransferThatStopsSaysHowFarItGot() throws {
        final class Refusing: Transport {
            let inner = ScriptedDUT(.init(), banner: false)
            var writes = 0
            var refused = false
            var endpoint: String { "refusing" }
            func write(_ bytes: [UInt8]) throws(TransportError) {
                writes += 1
                if writes == 3 { refused = true } else { try inner.write(bytes) }
            }
            func read(timeout: Duration) throws(TransportError) -> [UInt8] {
                guard refused else { return try inner.read(timeout: timeout) }
                refused = false
                return Array("e-[Buffer overflow]\r\nm-ready\r\n".utf8)
            }
            func close() {}
        }
        let client = DUTClient(transport: Refusing())
        var log = [String]()
        client.log = { log.append($0) }
        #expect(throws: DUTError.deviceError(command: "db " + String(repeating: "07", count: 38), message: "Buffer overflow")) {
            try client.load([UInt8](repeating: 7, count: 100), readBack: true)
        }
        #expect(log == ["> load 100 bytes in 3 db commands: stopped after 1 of them"])
    }
}
