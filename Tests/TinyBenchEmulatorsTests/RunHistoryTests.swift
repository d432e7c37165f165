import Foundation
import GRDB
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators

/// The run history: what a recorded session holds, the versioned schema, and
/// a locked database that gives up in bounded time instead of hanging a run.
struct RunHistoryTests {
    static func session(_ root: URL) throws -> SessionFolder {
        var settings = SessionSettings()
        settings.mode = .all
        settings.sampleLimit = 24
        let bench = BenchDescription(duts: [.emulated(pty: false)], profile: BoardProfile.nucleoL4R5ZITFLM.name, demoRoot: HarnessData.demo)
        let output = root.appendingPathComponent("s")
        _ = try RunRequest(benchmarks: [.kws01], datasetRoot: HarnessData.demo, settings: settings, bench: bench).suite(output: output).run()
        return SessionFolder(url: output)
    }

    @Test func aSessionIsRecordedWithItsDeviceModelDatasetAndFigures() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.session(root)
        let history = try RunHistory(path: root.appendingPathComponent("db/history.sqlite").path)
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try history.record(folder, at: when) == 1)
        #expect(try history.record(folder) == 2)
        let entries = try history.entries(benchmark: .kws01)
        #expect(entries.map(\.result.mode) == ["performance", "accuracy", "performance", "accuracy"])
        let first = try #require(entries.first)
        #expect(first.run.recordedAt == when && first.run.folder == folder.url.standardizedFileURL.path)
        #expect(first.result.timing == "cost-model" && first.result.device.contains("emulated"))
        #expect(first.result.modelSHA256?.count == 64 && first.result.datasetSHA256.count == 64)
        let summary = try folder.summary().rows[0]
        #expect(first.result.throughput == summary.throughput && entries[1].result.quality == summary.quality)
        #expect(try history.entries(device: "QEMU").isEmpty && history.entries(benchmark: .vww01).isEmpty)
        #expect(try history.run(2)?.folder == folder.url.standardizedFileURL.path && history.run(3) == nil)
        // The schema's version is recorded by the migrator.
        let applied = try DatabaseQueue(path: history.path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1: runs and results"])
    }

    @Test func aLockedOrDamagedDatabaseIsAnErrorInBoundedTime() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try Self.session(root)
        let path = root.appendingPathComponent("history.sqlite").path
        let history = try RunHistory(path: path)
        // Another program holds the database in an exclusive transaction.
        let other = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            try? other.inDatabase { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                locked.signal()
                release.wait()
                try db.execute(sql: "ROLLBACK")
            }
            done.signal()
        }.start()
        locked.wait()
        let start = ContinuousClock.now
        #expect(throws: HistoryError.self) { try history.record(folder) }
        #expect(ContinuousClock.now - start < .seconds(10))
        release.signal()
        done.wait()
        #expect(try history.record(folder) == 1)
        let damaged = root.appendingPathComponent("damaged.sqlite")
        try Data("not a database, not at all".utf8 + [UInt8](repeating: 7, count: 2000)).write(to: damaged)
        #expect { try RunHistory(path: damaged.path) } throws: { "\($0)".contains("cannot be used") }
    }

    @Test func sparklinesSpanTheRange() {
        #expect(HistoryReport.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
        #expect(HistoryReport.sparkline([5, 5, 5]) == "▁▁▁")
        #expect(HistoryReport.sparkline([10, 0]) == "█▁")
    }
}
