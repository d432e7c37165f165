import Foundation
import Testing
import TestSupport

/// The files a session leaves, through the CLI: a bounded log.txt, the wire
/// trace only with `--trace` (a valid gzip even when the run is killed), and
/// submission trees without traces or raw monitor samples.
@Suite(.serialized)
struct SessionFilesCommandTests {
    static func tempDir(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-\(name)-\(UUID().uuidString)")
    }

    static func size(_ url: URL) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? -1
    }

    /// Lines of `zcat file` that match the grep pattern.
    static func count(_ pattern: String, in file: URL) throws -> Int? {
        let r = try CLI.runTool("/bin/sh", ["-c", "zcat \"$0\" | grep -c -e \"$1\"", file.path, pattern])
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The 32 demo AD files are 6,272 windows of 2,560 bytes: log.txt stays
    /// under 1 MB with one line per transfer, and the trace has every binary
    /// block (a file's first window whole, the others slid by 512 bytes).
    @Test func anADAccuracyLogIsUnderOneMegabyteAndTheTraceHasEveryByte() throws {
        let out = Self.tempDir("ad-log")
        defer { try? FileManager.default.removeItem(at: out) }
        let labels = try String(contentsOf: HarnessData.demo.appendingPathComponent("ad01/y_labels.csv"), encoding: .utf8)
        let windows = labels.split(separator: "\n").count * 196
        #expect(windows == 32 * 196)
        let r = try CLI.run(["ad", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output", out.path, "--trace"])
        #expect(r.status == 0, "\(r.stderr)")
        let folder = out.appendingPathComponent("ad/accuracy")
        let logFile = folder.appendingPathComponent("log.txt")
        #expect(try Self.size(logFile) <= 1_000_000)
        let log = try String(contentsOf: logFile, encoding: .utf8)
        let files = windows / 196
        #expect(log.components(separatedBy: "> load 2560 bytes in 1 binary block; > infer 1 0% < m-results-[").count - 1 == files)
        #expect(log.components(separatedBy: "> load 2560 bytes: 2048 kept (slid by 512), 512 in 1 binary block; > infer 1 0% < m-results-[").count - 1
                == windows - files)
        #expect(!log.contains("> db ") && !log.contains("> tb-db "))
        let trace = folder.appendingPathComponent("trace.txt.gz")
        let test = try CLI.runTool("/bin/gzip", ["-t", trace.path])
        #expect(test.status == 0, "\(test.stderr)")
        #expect(try Self.count("> tb-db 2560 0 2560 0%", in: trace) == files)
        #expect(try Self.count("> tb-db 2560 2048 512 512%", in: trace) == windows - files)
        #expect(try Self.count("> db ", in: trace) == 0)
    }

    /// Without `--trace` there is no trace; `report --submission` copies
    /// log.txt, results and the energy windows' JSON and plots, never a
    /// trace or raw monitor samples (`*.samples.f32`).
    @Test func submissionsCarryNoTraceAndNoRawSamples() throws {
        let out = Self.tempDir("export")
        defer { try? FileManager.default.removeItem(at: out) }
        let session = out.appendingPathComponent("session")
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 4)
        defer { try? FileManager.default.removeItem(at: root) }
        let k = try CLI.run(["kws", "--mode", "accuracy", "--dataset", root.path, "--output", session.path])
        #expect(k.status == 0, "\(k.stderr)")
        let kws = session.appendingPathComponent("kws/accuracy")
        #expect(FileManager.default.fileExists(atPath: kws.appendingPathComponent("log.txt").path))
        #expect(!FileManager.default.fileExists(atPath: kws.appendingPathComponent("trace.txt.gz").path))
        let a = try CLI.run(["ad", "--mode", "energy", "--emulated-lab", "--dataset", HarnessData.demo.path, "--output", session.path, "--trace"])
        #expect(a.status == 0, "\(a.stderr)")
        let energy = session.appendingPathComponent("ad/energy")
        for file in ["trace.txt.gz", "window-1.samples.f32"] {
            #expect(FileManager.default.fileExists(atPath: energy.appendingPathComponent(file).path), "the session has \(file)")
        }
        let tree = out.appendingPathComponent("submission")
        let r = try CLI.run(["report", session.path, "--submission", tree.path, "--org", "Acme", "--system", "emu", "--allow-emulated"])
        #expect(r.status == 0, "\(r.stderr)")
        let copied = try #require(FileManager.default.subpaths(atPath: tree.path))
        #expect(!copied.contains { $0.hasSuffix("trace.txt.gz") || $0.hasSuffix(".f32") }, "\(copied)")
        let results = "closed/Acme/results/emu/"
        for file in ["kws/accuracy/log.txt", "ad/energy/log.txt", "ad/energy/results.json", "ad/energy/window-1.json", "ad/energy/window-1.svg"] {
            #expect(copied.contains(results + file), "\(file) is copied")
        }
    }

    /// A traced run killed with SIGKILL (no chance to close anything) leaves
    /// a trace that gzip reads: only whole gzip members reach the file (hex
    /// transfers: the run lasts long enough to be killed in the middle).
    @Test func aKilledRunLeavesAReadableTrace() throws {
        let out = Self.tempDir("killed")
        defer { try? FileManager.default.removeItem(at: out) }
        let trace = out.appendingPathComponent("ad/accuracy/trace.txt.gz")
        let (pid, _) = try CLI.start(["ad", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output", out.path, "--trace", "--hex"],
                                     lines: 0)
        let deadline = Date().addingTimeInterval(120)
        while ((try? Self.size(trace)) ?? 0) < 200_000 && Date() < deadline { usleep(50_000) }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        #expect((status & 0x7f) == SIGKILL, "the run was still going when it was killed")
        let test = try CLI.runTool("/bin/gzip", ["-t", trace.path])
        #expect(test.status == 0, "\(test.stderr)")
        #expect(try Self.count("> db load 2560%$", in: trace) ?? 0 > 0)
    }
}
