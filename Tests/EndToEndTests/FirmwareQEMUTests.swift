import Foundation
import Testing
import TestSupport

/// The firmware built for the QEMU Cortex-M4 board and driven by `tinybench`
/// over its serial line, exactly like a board on /dev/ttyACM0.
enum CrossTools {
    /// The Cortex-M compiler and QEMU are installed.
    static let present = ["arm-none-eabi-gcc", "qemu-system-arm"].allSatisfy { tool in
        ["/usr/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }
}

@Suite(.serialized, .enabled(if: CrossTools.present, "arm-none-eabi-gcc or qemu-system-arm is missing (make test installs them)"))
struct FirmwareQEMUTests {
    /// Generates model.c for `model` and builds the mps2-an386 firmware with
    /// the host link `link` (uart or semihosting); returns the .elf.
    static func firmware(model: String, benchmark: String, link: String = "uart") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-qemu-\(UUID().uuidString)")
        let generated = try CLI.run(["firmware", "generate", "--model", model, "--benchmark", benchmark, "--out", dir.path])
        try #require(generated.status == 0, "\(generated.stderr)")
        let make = try CLI.runTool("make", ["-C", FirmwareHostTests.firmware.path, "MODEL_C=\(dir.path)/model.c", "OUT=\(dir.path)/build",
                                            "LINK=\(link)"])
        try #require(make.status == 0, "firmware build failed: \(make.stdout) \(make.stderr)")
        return dir.appendingPathComponent("build/firmware.elf").path
    }

    /// Runs the CLI with a temporary folder of its own ($TMPDIR): QEMU's log
    /// (once `/tmp/tinybench-qemu-*.log`) and anything else it puts there
    /// must be gone when it exits.
    static func runLeavingNoTemporaryFiles(_ arguments: [String]) throws -> CLI.Result {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-qemu-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(arguments, environment: ["TMPDIR": tmp.path])
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(left.isEmpty, "tinybench \(arguments.prefix(2).joined(separator: " ")) left \(left) in its temporary folder")
        return r
    }

    /// The folder of a firmware built by ``firmware(model:benchmark:)``.
    static func remove(firmware elf: String) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: elf).deletingLastPathComponent().deletingLastPathComponent())
    }

    /// Every QEMU this suite started has exited.
    static func noQEMULeft(_ firmware: String) throws -> Bool {
        let r = try CLI.runTool("pgrep", ["-f", firmware])
        return r.status == 1
    }

    /// Golden cases: the conformance cases with ../shared, else a few demo
    /// inputs with TinyRuntime's outputs (`tinybench model run`) as the reference.
    static func cases(_ id: String, model: String) throws -> URL {
        if let shared = CLI.conformance { return shared.appendingPathComponent("\(id)/cases") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-cases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for i in 0..<3 {
            let input = id == "ad01" ? (0..<640).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ i) } : try HarnessData.modelInput(id, i)
            let inPath = dir.appendingPathComponent(String(format: "%03d.in", i))
            try Data(input).write(to: inPath)
            let run = try CLI.run(["model", "run", model, "--input", inPath.path, "--output", dir.appendingPathComponent(String(format: "%03d.out", i)).path])
            try #require(run.status == 0, "\(run.stderr)")
        }
        return dir
    }

    /// The runtime's arithmetic, so the firmware talks over the semihosting
    /// console (vww01's 27 KB inputs take over a second each over the UART);
    /// the UART build is exercised by the runs below.
    /// sww01 (the streaming wakeword model, inferred here on its golden
    /// 30 x 40 windows) has no demo model: it runs with ../shared only.
    @Test(arguments: ["kws01", "ic01", "ad01", "vww01", "ic02", "sww01"])
    func everyCaseIsByteExactUnderQEMU(id: String) throws {
        if id == "sww01" && CLI.conformance == nil {
            print("sww01 QEMU conformance skipped: \(SharedData.skipReason)")
            return
        }
        let model = CLI.conformance != nil ? CLI.model(id) : HarnessData.demo.appendingPathComponent("models/\(id).tflite").path
        let elf = try Self.firmware(model: model, benchmark: id, link: "semihosting")
        defer { Self.remove(firmware: elf) }
        let r = try Self.runLeavingNoTemporaryFiles(["firmware", "check", "--qemu", elf, "--model", model, "--benchmark", id, "--cases", try Self.cases(id, model: model).path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("cases identical") && !r.stdout.contains("expected"), "\(r.stdout)")
        #expect(try Self.noQEMULeft(elf))
    }

    /// `tinybench <benchmark> --qemu` on the first files of each bundled set:
    /// performance and accuracy through the normal serial code path, with
    /// per-sample results identical to the emulated DUT's. ad01 sends 196
    /// windows per file, so it gets two files (one normal, one anomalous).
    /// ic02 runs on the ic01 images (its dataset folder) and reports as ic2;
    /// at about 1 s of QEMU time an inference it gets three files.
    /// The semihosting link (`make LINK=semihosting`) carries the same
    /// dialogue: ad01 on 16 files (3,136 windows) gives the emulated DUT's results.
    @Test(arguments: [("kws01", 12, "uart"), ("vww01", 4, "uart"), ("ad01", 2, "uart"), ("ic01", 10, "uart"), ("ic02", 3, "uart"),
                      ("ad01", 16, "semihosting")])
    func runsUnderQEMULikeTheEmulatedDUT(id: String, files: Int, link: String) throws {
        let demo = HarnessData.demo
        let elf = try Self.firmware(model: demo.appendingPathComponent("models/\(id).tflite").path, benchmark: id, link: link)
        defer { Self.remove(firmware: elf) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-qemu-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = HarnessData.datasetFolder(id)
        try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        let rows = try String(contentsOf: demo.appendingPathComponent("\(folder)/y_labels.csv"), encoding: .utf8).split(separator: "\n").prefix(files)
        for row in rows {
            let file = String(row.split(separator: ",")[0])
            try FileManager.default.copyItem(at: demo.appendingPathComponent("\(folder)/\(file)"), to: root.appendingPathComponent("\(folder)/\(file)"))
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: root.appendingPathComponent("\(folder)/y_labels.csv"))
        let name = id == "ic02" ? "ic2" : String(id.dropLast(2))
        let qemuOut = root.appendingPathComponent("qemu"), emulatedOut = root.appendingPathComponent("emulated")
        // ic02's 15 inferences a window (10 timed, 5 warm-ups) take 15-45 s of wall time under QEMU on a shared machine.
        let timeouts = id == "ic02" ? ["--infer-timeout", "600", "--line-timeout", "60"] : []
        let q = try Self.runLeavingNoTemporaryFiles([name, "--qemu", elf, "--dataset", root.path, "--output", qemuOut.path, "--min-window-seconds", "1"] + timeouts)
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("device: QEMU mps2-an386") && q.stdout.contains("not board time"), "\(q.stdout)")
        let e = try CLI.run([name, "--dataset", root.path, "--output", emulatedOut.path, "--mode", "accuracy"])
        #expect(e.status == 0, "\(e.stderr)")
        let qemuSamples = try String(contentsOf: qemuOut.appendingPathComponent("\(name)/accuracy/samples.jsonl"), encoding: .utf8)
        let emulatedSamples = try String(contentsOf: emulatedOut.appendingPathComponent("\(name)/accuracy/samples.jsonl"), encoding: .utf8)
        #expect(qemuSamples.split(separator: "\n").count == files)
        // samples.jsonl is in completion order (the in-process run shares the files across interpreters).
        #expect(qemuSamples.split(separator: "\n").sorted() == emulatedSamples.split(separator: "\n").sorted())
        let log = try String(contentsOf: qemuOut.appendingPathComponent("\(name)/accuracy/log.txt"), encoding: .utf8)
        #expect(log.contains("(semihosting link)") == (link == "semihosting"), "\(log.prefix(600))")
        let performance = try String(contentsOf: qemuOut.appendingPathComponent("\(name)/performance/results.txt"), encoding: .utf8)
        #expect(performance.contains("Median throughput is") && performance.contains("NON-COMPLIANT"))
        #expect(try Self.noQEMULeft(elf))
    }

    @Test func aFirmwareThatCannotBootIsAClearError() throws {
        // QEMU loads these bytes as a vector table and locks up at once.
        let bogus = try CLI.temporaryFile(Array("not an ELF\n".utf8), name: "bogus.elf")
        defer { unlink(bogus) }
        let r = try Self.runLeavingNoTemporaryFiles(["firmware", "check", "--qemu", bogus, "--model", HarnessData.demo.appendingPathComponent("models/kws01.tflite").path,
                             "--benchmark", "kws01", "--cases", FileManager.default.temporaryDirectory.path])
        #expect(r.status == 1 && r.stderr.contains("QEMU stopped before the firmware answered"), "\(r.stderr)")
        // What QEMU said is quoted, since its log is not kept.
        #expect(r.stderr.contains("QEMU said: qemu"), "\(r.stderr)")
        #expect(try Self.noQEMULeft(bogus))
    }

    /// `tinybench dut check --qemu`: the firmware speaks the protocol as the
    /// MLCommons runner and TinyBench use it, every point (ad01: float inputs).
    @Test(arguments: ["kws01", "ad01"])
    func dutCheckPassesOnTheQEMUFirmware(id: String) throws {
        let model = CLI.conformance != nil ? CLI.model(id) : HarnessData.demo.appendingPathComponent("models/\(id).tflite").path
        let elf = try Self.firmware(model: model, benchmark: id)
        defer { Self.remove(firmware: elf) }
        let r = try Self.runLeavingNoTemporaryFiles(["dut", "check", "--qemu", elf])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        for point in DUTCheckCommandTests.points {
            #expect(r.stdout.contains("ok    \(point): "), "\(point) did not pass under QEMU: \(r.stdout)")
        }
        #expect(r.stdout.contains("m-model-[\(id)]"), "\(r.stdout)")
        #expect(try Self.noQEMULeft(elf))
    }
}
