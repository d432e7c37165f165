import Foundation
import Testing
import TestSupport

/// Every run is recorded in the history; `tinybench history` lists it with
/// trends, `compare` takes its run ids, and a damaged database is only a warning.
struct HistoryCommandTests {
    @Test func runsAreRecordedListedAndComparedById() throws {
        let root = SessionFilesCommandTests.tempDir("history")
        defer { try? FileManager.default.removeItem(at: root) }
        let db = root.appendingPathComponent("h/history.sqlite").path
        for name in ["a", "b"] {
            let r = try CLI.run(["kws", "--mode", "all", "--dataset", HarnessData.demo.path, "--output",
                                 root.appendingPathComponent(name).path, "--history", db])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("history: run \(name == "a" ? 1 : 2) recorded in \(db)"), "\(r.stdout)")
        }
        let list = try CLI.run(["history", "--history", db, "--benchmark", "kws"])
        #expect(list.status == 0, "\(list.stderr)")
        let rows = list.stdout.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }
        #expect(rows.count == 4, "\(list.stdout)")
        #expect(rows.allSatisfy { $0.contains("kws01") && $0.contains("[cost-model]") })
        #expect(list.stdout.contains("kws01 throughput ▁▁ ") && list.stdout.contains("(2 runs)"))
        #expect(try CLI.run(["history", "--history", db, "--benchmark", "vww"]).stdout.hasPrefix("no runs recorded"))
        #expect(try CLI.run(["history", "--history", db, "--device", "QEMU"]).stdout.hasPrefix("no runs recorded"))
        let compared = try CLI.run(["compare", "1", "2", "--history", db])
        #expect(compared.status == 0 && compared.stdout.contains("A: \(root.appendingPathComponent("a").path)"), "\(compared.stdout)\(compared.stderr)")
        let missing = try CLI.run(["compare", "1", "7", "--history", db])
        #expect(missing.status == 1 && missing.stderr.contains("no run 7 in the history"))
        // Without --history the default (under XDG_DATA_HOME) is used; --no-history records nothing.
        let home = root.appendingPathComponent("data").path
        let quiet = try CLI.run(["kws", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output",
                                 root.appendingPathComponent("c").path, "--no-history"], environment: ["XDG_DATA_HOME": home])
        #expect(quiet.status == 0 && !quiet.stdout.contains("history:"))
        #expect(!FileManager.default.fileExists(atPath: home + "/tinybench/history.sqlite"))
        let recorded = try CLI.run(["kws", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output",
                                    root.appendingPathComponent("d").path], environment: ["XDG_DATA_HOME": home])
        #expect(recorded.stdout.contains("history: run 1 recorded in \(home)/tinybench/history.sqlite"))
    }

    @Test func aDamagedHistoryIsAWarningNotAFailedRun() throws {
        let root = SessionFilesCommandTests.tempDir("history-damaged")
        defer { try? FileManager.default.removeItem(at: root) }
        let db = root.appendingPathComponent("history.sqlite")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: 4096).write(to: db)
        let r = try CLI.run(["kws", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output",
                             root.appendingPathComponent("s").path, "--history", db.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: the run history \(db.path) cannot be used"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("s/kws/accuracy/results.json").path))
        // Listing it is an error, with the same reason.
        let list = try CLI.run(["history", "--history", db.path])
        #expect(list.status == 1 && list.stderr.contains("cannot be used"))
    }
}
