import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// Damages chosen binary blocks on their way to a DUT: one payload byte
/// flipped, or the block's tail lost (the DUT is left waiting for it).
final class BlockDamagingTransport: Transport {
    enum Damage { case flip, truncate }
    let inner: any Transport
    /// Damage by block number (1 for the first `tb-db` block written).
    let plan: [Int: Damage]
    var endpoint: String { "damaging " + inner.endpoint }
    private(set) var blocks = 0
    private(set) var damaged = 0

    init(_ inner: any Transport, plan: [Int: Damage]) {
        self.inner = inner
        self.plan = plan
    }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        var b = bytes
        if b.starts(with: Array("tb-db ".utf8)) {
            blocks += 1
            let payloadStart = b.firstIndex(of: UInt8(ascii: "%"))! + 1
            switch plan[blocks] {
            case .flip?: b[payloadStart + (b.count - payloadStart) / 2] ^= 0x10
            case .truncate?: b.removeLast(40)
            case nil: break
            }
            if plan[blocks] != nil { damaged += 1 }
        }
        try inner.write(b)
    }

    func read(timeout: Duration) throws(TransportError) -> [UInt8] { try inner.read(timeout: timeout) }
    func close() { inner.close() }
}

struct BinaryTransferTests {
    static func dut(_ id: String, binary: Bool = true) throws -> EmulatedDUT {
        try EmulatedDUT(model: Model(bytes: HarnessData.modelBytes(id)), benchmark: Benchmark.named(id)!, binaryBlocks: binary)
    }

    static func send(_ dut: EmulatedDUT, _ bytes: [UInt8]) -> [String] {
        String(decoding: dut.receive(bytes), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    /// An accuracy session of `files` demo files over `transport`; returns the mode's folder.
    static func accuracy(_ benchmark: Benchmark, files: Int, transport: Transport, verify: Bool = true,
                         timeouts: DUTClient.Timeouts = .init(line: 0.5, infer: 2)) throws -> URL {
        var settings = SessionSettings()
        settings.mode = .accuracy
        settings.sampleLimit = files
        settings.verifyTransfers = verify
        let data = try Dataset(root: HarnessData.demo, benchmark: benchmark)
        let manifest = try SessionManifest(benchmark: benchmark, dataset: data, port: "test", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        let output = SessionTests.tempDir()
        let session = Session(client: DUTClient(transport: transport, timeouts: timeouts), benchmark: benchmark, dataset: data,
                              settings: settings, manifest: manifest, output: output)
        _ = try session.run()
        return output.appendingPathComponent("\(benchmark.shortName)/accuracy")
    }

    static func link(_ folder: URL) throws -> LinkUsage {
        struct Report: Decodable { var link: LinkUsage? }
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
        return try #require(report.link)
    }

    @Test func theEmulatedDUTStoresOnlyBlocksWhoseCRCMatches() throws {
        let dut = try Self.dut("kws01")
        #expect(Self.send(dut, Array("tb-caps%".utf8)) == ["m-tb-caps-[raw,device,binary-db]", "m-ready"])
        let input = (0..<10).map { UInt8($0 * 7) }
        var damaged = BinaryBlock(size: 10, offset: 0, payload: input).wireBytes
        damaged[damaged.count - 7] ^= 1
        #expect(Self.send(dut, damaged) == ["e-[tb-db: CRC mismatch, block discarded]", "m-ready"])
        // The same block undamaged, in two parts with a `%` in the payload.
        let first = BinaryBlock(size: 10, offset: 0, payload: [0x25] + Array(input[1..<6])).wireBytes
        #expect(Self.send(dut, first) == ["m-ready"])
        #expect(Self.send(dut, BinaryBlock(size: 10, offset: 6, payload: Array(input[6...])).wireBytes) == ["m-load-done", "m-ready"])
        #expect(Self.send(dut, Array("db print%".utf8)) == ["m-buffer-25-07-0e-15-1c-23-2a-31", "m-buffer-38-3f", "m-ready"])
        // A slide keeps the tail of the complete input and appends the new bytes.
        #expect(Self.send(dut, BinaryBlock(size: 10, offset: 7, shift: 3, payload: [1, 2, 3]).wireBytes) == ["m-load-done", "m-ready"])
        #expect(Self.send(dut, Array("db print%".utf8)) == ["m-buffer-15-1c-23-2a-31-38-3f-01", "m-buffer-02-03", "m-ready"])
        // A header the DUT cannot take stays a command: no bytes are swallowed.
        #expect(Self.send(dut, Array("tb-db 10 0 5000 0%".utf8)) == ["e-[tb-db: block length must be 1 to 4096]", "m-ready"])
        // Without the extension it is an unknown command, as for stock firmware.
        let stock = try Self.dut("kws01", binary: false)
        #expect(Self.send(stock, Array("tb-caps%".utf8)) == ["m-tb-caps-[raw,device]", "m-ready"])
        #expect(Self.send(stock, Array("tb-db 10 0 10 0%".utf8)) == ["e-[Unknown command: tb-db]", "m-ready"])
    }

    /// A block with a flipped byte is refused for its CRC and resent; a block
    /// cut short leaves the DUT waiting, the host times out, brings it back
    /// to line mode and sends the input again. The DUT never uses a damaged
    /// block: the results are those of the clean run, window for window.
    @Test func damagedAndTruncatedBlocksAreResentNeverUsed() throws {
        // Two files, one normal and one anomalous (an AUC needs both).
        let clean = try Self.accuracy(.ad01, files: 2, transport: EmulatedTransport(dut: Self.dut("ad01")))
        // Block 1 is a whole window, the others slides of 512 bytes.
        let damaging = BlockDamagingTransport(EmulatedTransport(dut: try Self.dut("ad01")),
                                              plan: [1: .flip, 5: .flip, 9: .truncate, 20: .truncate, 21: .flip])
        let faulty = try Self.accuracy(.ad01, files: 2, transport: damaging)
        #expect(damaging.damaged == 5)
        let samples = { (folder: URL) in try String(contentsOf: folder.appendingPathComponent("samples.jsonl"), encoding: .utf8) }
        #expect(try samples(faulty) == samples(clean))
        let log = try String(contentsOf: faulty.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.components(separatedBy: "block(s) resent").count - 1 == 4, "\(log.prefix(3000))")
        #expect(!log.contains("(attempt 2)"), "a damaged block must be handled by the transfer, not by a retry of the window")
        #expect(try Self.link(faulty).payloadBytes > Self.link(clean).payloadBytes)
    }

    /// Link efficiency over a pseudo-terminal (the serial code path): binary
    /// blocks against the emulated DUT, and hex `db` lines against the same
    /// DUT with the extension off (what stock firmware gets).
    @Test(arguments: [(Benchmark.kws01, 10), (Benchmark.ad01, 2), (Benchmark.vww01, 2)])
    func linkEfficiencyOverAPseudoTerminal(benchmark: Benchmark, files: Int) throws {
        func run(binary: Bool, verify: Bool) throws -> LinkUsage {
            let server = try PseudoTerminalServer(device: try Self.dut(benchmark.id, binary: binary))
            server.start()
            defer { server.stop() }
            let port = try openSerialPort(path: server.path, baud: 115_200)
            defer { port.close() }
            return try Self.link(Self.accuracy(benchmark, files: files, transport: port, verify: verify, timeouts: .init()))
        }
        let binary = try run(binary: true, verify: true)
        #expect(binary.transfer == .binary && binary.efficiency >= 0.90, "\(binary)")
        let hex = try run(binary: false, verify: false)
        #expect(hex.transfer == .hex, "\(hex)")
        // 38 bytes per 80-character line, the most an 80-character command
        // buffer takes (0.475), less `db load` and kws01's short last line.
        #expect(hex.sentEfficiency >= (benchmark == .kws01 ? 0.469 : 0.47), "\(hex)")
        // Each line's `m-ready` (9 bytes back) caps both directions at 38 / 89.
        #expect(hex.efficiency >= 0.40 && hex.efficiency <= 38.0 / 89, "\(hex)")
        #expect(binary.inputBytes == hex.inputBytes)
    }

    /// The same against the C firmware under QEMU (mps2-an386): a flipped
    /// byte and a lost tail, each in a whole window and in a slide, are
    /// refused and resent, and every window infers what its clean transfer does.
    @Test(.enabled(if: ["arm-none-eabi-gcc", "qemu-system-arm", "make"].allSatisfy { FileManager.default.isExecutableFile(atPath: "/usr/bin/\($0)") },
                   "arm-none-eabi-gcc or qemu-system-arm is missing (make test installs them)"))
    func theQEMUFirmwareRefusesDamagedBlocks() throws {
        let dir = SessionTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = try FirmwareGenerator(modelBytes: HarnessData.modelBytes("ad01"), benchmark: .ad01, origin: "ad01").source().text
        try Data(source.utf8).write(to: dir.appendingPathComponent("model.c"))
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/make")
        let firmware = HarnessData.demo.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Firmware")
        make.arguments = ["-s", "-C", firmware.path, "MODEL_C=\(dir.path)/model.c", "OUT=\(dir.path)/build"]
        make.standardOutput = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        try #require(make.terminationStatus == 0, "the firmware did not build")
        let file = try [UInt8](Data(contentsOf: HarnessData.demo.appendingPathComponent("ad01/normal_id_01_00000000_hist_librosa.bin")))
        let windows = (0..<6).map { Array(file[($0 * 512)..<($0 * 512 + 2560)]) }
        func scores(_ plan: [Int: BlockDamagingTransport.Damage]) throws -> ([[Double]], BlockDamagingTransport) {
            let qemu = try QEMUDevice(firmware: dir.appendingPathComponent("build/firmware.elf").path)
            defer { qemu.stop() }
            let link = BlockDamagingTransport(qemu, plan: plan)
            let client = DUTClient(transport: link, timeouts: .init(line: 2, infer: 10))
            _ = DUTClient.bootBanner(link)
            #expect(client.negotiateTransfer() == .binary)
            let results = try windows.map { window throws in
                try client.load(window)
                return try client.infer(1, warmup: 0).results
            }
            return (results, link)
        }
        let (clean, _) = try scores([:])
        let (damaged, link) = try scores([1: .flip, 3: .truncate, 4: .flip, 7: .truncate])
        #expect(link.damaged == 4)
        #expect(damaged == clean)
    }
}
