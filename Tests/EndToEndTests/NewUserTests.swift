import Foundation
import Testing
import TestSupport

/// tinybench as a new user meets it: installed on PATH through a symbolic
/// link and run from anywhere, scripts given paths relative to where they are
/// started, and tests that leave nothing behind in the clone.
@Suite(.serialized)
struct NewUserTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A new empty temporary folder; the caller removes it.
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theDemoDataIsFoundThroughASymbolicLinkOnPath() throws {
        let bin = try Self.folder("bin"), cwd = try Self.folder("cwd")
        defer {
            try? FileManager.default.removeItem(at: bin)
            try? FileManager.default.removeItem(at: cwd)
        }
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("tinybench").path, withDestinationPath: CLI.binary.path)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try CLI.runTool("/bin/sh", ["-c", "tinybench kws --mode performance --min-window-seconds 0.01 --output out"],
                                environment: ["PATH": path, "TINYBENCH_DEMO": ""], directory: cwd.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("out/kws/performance/results.txt").path))
    }

    /// Copies an executable through a descriptor closed on exec, so that
    /// processes other tests start meanwhile do not inherit it open for
    /// writing (which would make executing the copy fail with ETXTBSY).
    static func copyExecutable(_ source: URL, to destination: URL) throws {
        let bytes = try Data(contentsOf: source)
        let fd = open(destination.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CLI.Failure("cannot create \(destination.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = write(fd, base + offset, raw.count - offset)
                guard n > 0 else { throw CLI.Failure("cannot write \(destination.path): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
    }

    @Test func missingDemoDataSaysWhereItLooked() throws {
        // A copy outside any checkout, run from an empty folder.
        let bin = try Self.folder("bin")
        defer { try? FileManager.default.removeItem(at: bin) }
        let copy = bin.appendingPathComponent("tinybench")
        try Self.copyExecutable(CLI.binary, to: copy)
        var r = try CLI.runTool(copy.path, ["kws", "--mode", "performance"], environment: ["TINYBENCH_DEMO": ""])
        // A process another test started while the copy was being written may
        // still hold it open (ETXTBSY) until it execs; that passes quickly.
        for _ in 0..<5 where r.stderr.contains("Text file busy") {
            usleep(200_000)
            r = try CLI.runTool(copy.path, ["kws", "--mode", "performance"], environment: ["TINYBENCH_DEMO": ""])
        }
        #expect(r.status != 0)
        #expect(r.stderr.contains("was not found (TINYBENCH_DEMO is not set; looked in "), "\(r.stderr)")
        #expect(r.stderr.contains(bin.appendingPathComponent("Datasets/demo").path), "\(r.stderr)")
    }

    /// `Scripts/energy-runner --config bench.txt --out out` from another
    /// folder: both paths are the caller's, as is a `dataset=` in the file.
    @Test func energyRunnerTakesRelativePathsFromTheCallersFolder() throws {
        let model = HarnessData.demo.appendingPathComponent("models/ad01.tflite").path
        let (lab, lines) = try CLI.start(["lab", "--model", model, "--benchmark", "ad01", "--monitor", "ppk2", "--exit-with-parent"], lines: 3)
        defer { CLI.stop(lab) }
        let interface = try #require(lines.first { $0.hasPrefix("interface: ") }).dropFirst(11)
        let monitor = try #require(lines.first { $0.hasPrefix("monitor: ") }).dropFirst(9)
        let cwd = try Self.folder("cwd")
        defer { try? FileManager.default.removeItem(at: cwd) }
        try FileManager.default.createSymbolicLink(atPath: cwd.appendingPathComponent("data").path, withDestinationPath: HarnessData.demo.path)
        try Data("benchmark=ad interface=\(interface) monitor=ppk2:\(monitor) system=lab dataset=data\n".utf8)
            .write(to: cwd.appendingPathComponent("bench.txt"))
        let r = try CLI.runTool(Self.package.appendingPathComponent("Scripts/energy-runner").path, ["--config", "bench.txt", "--out", "out"],
                                environment: ["TINYBENCH": CLI.binary.path], directory: cwd.path)
        #expect(!r.stderr.contains("No such file"), "\(r.stderr)")
        #expect(r.stdout.contains("== lab ad: energy through \(interface)"), "\(r.stdout)")
        let results = cwd.appendingPathComponent("out/lab/ad/energy/results.txt")
        #expect(FileManager.default.fileExists(atPath: results.path), "\(r.stdout)\n\(r.stderr)")
    }

    /// Every CLI run of the tests happens in a temporary folder: a run without
    /// `--output` (here one against a missing port) must not leave
    /// `sessions/` in the clone.
    @Test func runsWithoutAnOutputFolderLeaveNothingInTheClone() throws {
        let sessions = Self.package.appendingPathComponent("sessions").path
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? [])
        let demo = HarnessData.demo.path
        let r = try CLI.run(["kws", "--port", "/dev/ttyNOPE9", "--dataset", demo])
        #expect(r.status != 0)
        let board = try CLI.run(["all", "--port", "/dev/ttyNOPE9"], environment: ["TINYBENCH_DEMO": demo])
        #expect(board.status != 0)
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? [])
        #expect(after.subtracting(before).isEmpty, "left in the clone: \(after.subtracting(before).sorted())")
    }

    /// Messages to a closed standard error are lost, not a crash (FileHandle.write traps on EBADF and EPIPE).
    @Test func aClosedStandardErrorIsNoCrash() throws {
        let r = try CLI.runTool("/bin/sh", ["-c", "\"$0\" kws --mode energy 2>&-; echo \"status $?\"", CLI.binary.path])
        // Energy mode without a bench is a usage error (64); a trap would be 132 or 134.
        #expect(r.stdout == "status 64\n", "\(r.stdout) \(r.stderr)")
    }
}
