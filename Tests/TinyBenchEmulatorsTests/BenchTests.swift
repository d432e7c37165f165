import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators

/// The bench seam: a description becomes connectors, each connection carries
/// the device description the reports are made from.
struct BenchTests {
    static let demo = HarnessData.demo

    @Test func theEmulatedDUTIsDescribedAsModelledInProcessAndOnAPseudoTerminal() throws {
        for hosting in EmulatedConnector.Hosting.allCases {
            let connection = try EmulatedConnector(model: .demo(Self.demo), hosting: hosting).connect(.kws01)
            defer { connection.close() }
            #expect(connection.device.timing == .costModel)
            #expect(connection.device.board?.contains("emulated NUCLEO-L4R5ZI") == true)
            #expect(connection.device.clockHz == 120e6)
            #expect(connection.model?.path == DemoData.model(.kws01, in: Self.demo).path)
            let identity = try DUTClient(transport: connection.transport).identify(bootLines: connection.bootLines)
            #expect(identity.model == "kws01")
            if hosting == .pseudoTerminal {
                // Learnt over the line through tb-device, not assumed.
                #expect(connection.port.hasPrefix("/dev/pts/") && connection.device.summary.hasSuffix(" on \(connection.port)"))
            }
        }
    }

    @Test func theDeviceExtensionRoundTripsAndAStockDUTIsABoard() throws {
        let d = DeviceDescription(summary: "emulated DUT; odd] name", timing: .instructionCount, board: "b", clockHz: 48e6)
        let back = try #require(DeviceDescription(extensionReply: d.extensionReply))
        #expect(back.timing == .instructionCount && back.summary == "emulated DUT odd name" && back.clockHz == 48e6 && back.board == "b")
        #expect(DeviceDescription(extensionReply: "timing=sundial;summary=x") == nil)
        // A DUT that does not know the extension is taken for a measured board on its port.
        let stock = DUTConnection.greet(ScriptedDUT(), port: "/dev/ttyX", baud: 115_200, device: nil, model: nil)
        #expect(stock.device == .board(on: "/dev/ttyX"))
        #expect(!stock.device.timing.isModelled)
    }

    @Test func benchDescriptionsThatCannotWorkAreRefused() throws {
        let lab = BenchDescription.EnergyBench(interface: nil, monitor: MonitorSpec(kind: .ppk2), emulatedLab: true)
        func check(_ bench: BenchDescription, _ mode: ModeSelection, _ benchmarks: [Benchmark] = [.kws01]) -> BenchError? {
            do { try bench.validate(mode: mode, benchmarks: benchmarks); return nil } catch { return error }
        }
        let profile = BoardProfile.nucleoL4R5ZITFLM.name
        #expect(check(BenchDescription(duts: [], profile: profile), .energy) == .energyNeedsBench)
        #expect(check(BenchDescription(duts: [.port("/dev/x", baud: 9600)], energy: lab, profile: profile), .energy) == .energyThroughInterface)
        #expect(check(BenchDescription(duts: [.emulated(pty: false)], energy: lab, profile: profile), .all) == .energyOptionsWithoutEnergyMode)
        #expect(check(BenchDescription(duts: [.emulated(pty: false)], profile: profile, model: "m.tflite"), .all, Benchmark.all) == .oneModelForSeveralBenchmarks)
        #expect(check(BenchDescription(duts: [], energy: lab, profile: profile), .energy) == nil)
        #expect(try BenchDescription(duts: [], energy: lab, profile: profile).connectors().map(\.label) == ["emulated energy lab (ppk2)"])
        let two = try BenchDescription(duts: [.port("/dev/a", baud: 9600), .qemu(firmware: "f.elf")], profile: profile).connectors()
        #expect(two.map(\.label) == ["/dev/a", "QEMU running f.elf"])
    }

    /// A devices file becomes the bench: the energy bench from its interface
    /// board and monitor, the DUTs otherwise, each at its rate for the mode.
    @Test func aDevicesFileDescribesTheBench() throws {
        let file = try DevicesFile(yaml: """
            - name: stm32h573i-dk
              type: interface
              baud: 115200
              usb:
                0x0483: 0x374E
            - name: ppk2
              type: power
              baud: 115200
              usb:
                0x1915: 0xC00A
            - name: l4r5zi
              type: dut
              voltage: 1.8
              baud:
                energy: 9600
                performance: 921600
                accuracy: 115200
              usb:
                0x0483: 0x374B
            """, path: "devices.yaml")
        let ports = [SerialPortInfo.usb(path: "/dev/ttyACM0", vendorID: 0x0483, productID: 0x374E),
                     SerialPortInfo.usb(path: "/dev/ttyACM1", vendorID: 0x1915, productID: 0xC00A),
                     SerialPortInfo.usb(path: "/dev/ttyACM2", vendorID: 0x0483, productID: 0x374B),
                     SerialPortInfo.usb(path: "/dev/ttyACM3", vendorID: 0x0483, productID: 0x374B)]
        func bench(_ mode: ModeSelection) throws -> BenchDescription {
            try BenchDescription(devices: file, mode: mode, profile: "p", model: nil, demoRoot: nil, voltage: 3.0) {
                try file.select(mode: $0, serialPorts: ports, usbDevices: [], nameCheck: { _, _ in nil })
            }
        }
        let energy = try bench(.energy)
        #expect(energy.duts.isEmpty)
        #expect(energy.energy == BenchDescription.EnergyBench(interface: "/dev/ttyACM0", interfaceBaud: 115_200,
                                                              monitor: MonitorSpec(kind: .ppk2, port: "/dev/ttyACM1", voltage: 1.8)))
        #expect(try bench(.performance).duts == [.port("/dev/ttyACM2", baud: 921_600), .port("/dev/ttyACM3", baud: 921_600)])
        #expect(try bench(.accuracy).duts == [.port("/dev/ttyACM2", baud: 115_200), .port("/dev/ttyACM3", baud: 115_200)])
        #expect(throws: BenchError.self) { try bench(.all) }
    }

    /// The in-process emulator shares an accuracy run across interpreters:
    /// the samples are those of one interpreter, in dataset order, and
    /// nothing is read back where there is no wire.
    @Test func inProcessAccuracyIsShardedAcrossInterpretersWithTheSameResults() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-shards-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var settings = SessionSettings()
        settings.mode = .accuracy
        settings.sampleLimit = 60
        var samples = [Int: [AccuracySample]]()
        for jobs in [1, 3] {
            var bench = BenchDescription(duts: [.emulated(pty: false)], profile: BoardProfile.nucleoL4R5ZITFLM.name, demoRoot: Self.demo)
            bench.accuracyJobs = jobs
            #expect(try bench.connectors().map(\.accuracyShards) == [jobs])
            let output = root.appendingPathComponent("jobs\(jobs)")
            let summary = try RunRequest(benchmarks: [.kws01], datasetRoot: Self.demo, settings: settings, bench: bench).suite(output: output).run()
            #expect(summary.rows.map(\.error) == [nil])
            let results = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("kws/accuracy/results.json"))) as? [String: Any]
            let manifest = results?["manifest"] as? [String: Any]
            #expect((manifest?["accuracyPeers"] as? [String])?.count == (jobs == 1 ? nil : jobs - 1))
            #expect((results?["settings"] as? [String: Any])?["verifyTransfers"] as? Bool == false)
            let log = try String(contentsOf: output.appendingPathComponent("kws/accuracy/log.txt"), encoding: .utf8)
            // Neither a read-back nor the second reading of the results.
            #expect(!log.contains("read back: ") && !log.contains("> results%") && log.contains("> infer 1 0%"))
            if jobs > 1 { #expect(log.contains("[dut \(jobs)]")) }
            samples[jobs] = try JSONDecoder().decode([AccuracySample].self, from: JSONSerialization.data(withJSONObject: results?["samples"] ?? []))
        }
        #expect(samples[1]?.count == 60)
        #expect(samples[1] == samples[3])
    }

    /// The submission's system description comes from the devices: QEMU's
    /// says QEMU, not an emulated NUCLEO board.
    @Test func theSystemDescriptionFollowsTheDevice() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-bench-\(UUID().uuidString)")
        let (dataset, _) = try SessionTests.classifierDataset(.kws01)
        let session = try SessionTests.session(.kws01, dataset: dataset, mode: .accuracy, output: root.appendingPathComponent("s"))
        session.manifest.device = QEMUDevice.deviceDescription
        _ = try session.run()
        try SessionFolder(url: root.appendingPathComponent("s")).exportSubmission(root: root.appendingPathComponent("t"), division: "closed",
                                                                                  organization: "o", system: "q")
        let system = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("t/closed/o/systems/q.json"))) as? [String: String])
        #expect(system["Board Name"]?.contains("QEMU") == true && system["Board Name"]?.contains("NUCLEO") == false)
        #expect(system["Status"] == "rdi")
        #expect(system["Hardware Notes"]?.contains("not a measurement on a board") == true)
        #expect(system["Processor(s) Frequencies"] == "to be filled in by the submitter")
    }
}

/// A stock DUT: answers every command with an unknown-command error.
private final class ScriptedDUT: Transport {
    var endpoint: String { "scripted" }
    private var pending = [UInt8]()
    func write(_ bytes: [UInt8]) throws(TransportError) {
        let command = String(decoding: bytes.dropLast(), as: UTF8.self)
        pending += Array("e-[Unknown command: \(command)]\r\nm-ready\r\n".utf8)
    }
    func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        defer { pending.removeAll() }
        return pending
    }
    func close() {}
}
