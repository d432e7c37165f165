import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// What log.txt and the wire trace (trace.txt.gz) hold when a transfer goes
/// wrong and when a run stops early.
struct SessionFilesTests {
    /// The emulated DUT behind a link that changes one hex digit of the
    /// first `db` data command: the DUT takes the wrong byte, and only the
    /// read-back can tell.
    final class OnceDamaging: Transport {
        let inner: EmulatedTransport
        var endpoint: String { inner.endpoint }
        private(set) var damaged = false
        init(_ inner: EmulatedTransport) { self.inner = inner }

        func write(_ bytes: [UInt8]) throws(TransportError) {
            var b = bytes
            if !damaged, String(decoding: b, as: UTF8.self).hasPrefix("db "), !b.starts(with: Array("db load".utf8)),
               !b.starts(with: Array("db print".utf8)) {
                b[3] = b[3] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
                damaged = true
            }
            try inner.write(b)
        }

        func read(timeout: Duration) throws(TransportError) -> [UInt8] { try inner.read(timeout: timeout) }
        func close() { inner.close() }
    }

    /// `gzip -t`, then the file decompressed by `zcat`.
    static func unzip(_ url: URL) throws -> String {
        func run(_ tool: String, _ arguments: [String], output: URL) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = arguments
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: output)
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        let text = url.deletingLastPathComponent().appendingPathComponent("unzipped.txt")
        defer { try? FileManager.default.removeItem(at: text) }
        #expect(try run("/bin/gzip", ["-t", url.path], output: text) == 0, "gzip -t rejects \(url.path)")
        #expect(try run("/bin/zcat", [url.path], output: text) == 0)
        return try String(contentsOf: text, encoding: .utf8)
    }

    static func session(_ transport: Transport, dataset root: URL, output: URL) throws -> Session {
        var settings = SessionSettings()
        settings.mode = .accuracy
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "in-process", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        let session = Session(client: DUTClient(transport: transport, timeouts: .init(line: 0.2, infer: 0.4)), benchmark: .kws01,
                              dataset: data, settings: settings, manifest: manifest, output: output)
        session.wireTrace = true
        return session
    }

    /// Windows that go by the script are one line each in an accuracy log;
    /// the window whose read-back differs is logged line by line, then the
    /// error, then its retry (naming the attempt). The trace has every `db`
    /// command, the damaged one included.
    @Test func aRetriedTransferIsLoggedInFullAndTheTraceHasEveryByte() throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        defer { try? FileManager.default.removeItem(at: root) }
        // A DUT with hex transfers only (stock firmware): the read-back catches the damage.
        let link = OnceDamaging(EmulatedTransport(dut: try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01,
                                                                       binaryBlocks: false)))
        let output = SessionTests.tempDir()
        defer { try? FileManager.default.removeItem(at: output) }
        _ = try Self.session(link, dataset: root, output: output).run()
        #expect(link.damaged)
        let folder = output.appendingPathComponent("kws/accuracy")
        let log = try String(contentsOf: folder.appendingPathComponent("log.txt"), encoding: .utf8)
        let lines = log.split(separator: "\n").map(String.init)
        let transfers = lines.filter { $0.contains("> load 490 bytes in 13 db commands") }
        #expect(transfers.count == 9, "8 files and one retry: \(transfers)")
        #expect(transfers[0].hasSuffix("> load 490 bytes in 13 db commands, read back: DIFFERENT (490 bytes held, the first difference at byte 0)"))
        #expect(lines.contains { $0.contains("# sample f0.bin window 0: unexpected reply to 'db print'") && $0.hasSuffix("resynchronising") })
        #expect(transfers[1].contains("> load 490 bytes in 13 db commands (attempt 2), read back: identical; > infer 1 0% < m-results-["))
        // One line per window that went by the script: the transfer, infer and the second results reading.
        for line in transfers.dropFirst() {
            #expect(line.contains("read back: identical; > infer 1 0% < m-results-[") && line.contains("; > results% < m-results-["), "\(line)")
            #expect(!line.contains("m-ready") && !line.contains("m-lap-us"), "\(line)")
        }
        #expect(!log.contains("> db "), "no db command in log.txt")

        let trace = try Self.unzip(folder.appendingPathComponent("trace.txt.gz"))
        let sent = trace.split(separator: "\n").filter { $0.contains(" > ") }
        #expect(sent.filter { $0.hasSuffix("> db load 490%") }.count == 9)
        #expect(sent.filter { $0.contains("> db ") && !$0.contains("load") && !$0.contains("print") }.count == 9 * 13)
        #expect(sent.filter { $0.hasSuffix("> db print%") }.count == 9)
        #expect(trace.contains("< m-[Expecting 490 bytes]\\r\\nm-ready\\r\\n"), "line endings are escaped")
        // Every record starts with its time.
        #expect(trace.split(separator: "\n").allSatisfy { Double($0.prefix { $0 != " " }) != nil })
    }

    /// A run that stops with an error still leaves a complete gzip file.
    @Test func aRunThatStopsLeavesAValidTrace() throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        defer { try? FileManager.default.removeItem(at: root) }
        let silent = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01)),
                                     seed: 9, rate: 1.0)
        let output = SessionTests.tempDir()
        defer { try? FileManager.default.removeItem(at: output) }
        #expect(throws: SessionError.self) { try Self.session(silent, dataset: root, output: output).run() }
        let trace = try Self.unzip(output.appendingPathComponent("kws/accuracy/trace.txt.gz"))
        #expect(trace.contains("> name%"), "\(trace.prefix(500))")
    }
}
