import Foundation
import GRDB

/// Every session's results across runs, in SQLite (`history.sqlite`):
/// when, which tool, which device, model and dataset (by SHA-256), and each
/// figure, one row per benchmark and mode. `tinybench history` lists it and
/// shows trends; `tinybench compare` takes its run ids.
///
/// Recording never fails a run: a locked or damaged database gives a
/// warning (``record(_:)`` returns it) and the run's own files stay the record.
public final class RunHistory {
    /// One session recorded.
    public struct Run: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
        public static let databaseTableName = "run"
        public var id: Int64?
        public var recordedAt: Date
        public var tool: String
        /// The session folder (absolute).
        public var folder: String

        public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    }

    /// One benchmark and mode of a recorded session.
    public struct Result: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
        public static let databaseTableName = "result"
        public var id: Int64?
        public var runId: Int64
        public var benchmark: String
        public var mode: String
        public var device: String
        /// `measured`, `cost-model` or `instruction-count`.
        public var timing: String
        public var modelSHA256: String?
        public var datasetSHA256: String
        public var throughput: Double?
        public var latencyMilliseconds: Double?
        /// Top-1 (classifiers) or AUC (ad01).
        public var quality: Double?
        public var microjoulesPerInference: Double?
        public var averagePowerWatts: Double?
        public var compliant: Bool?
        public var targetMet: Bool?
        public var interrupted: Bool

        public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    }

    /// A result with its run, for listings.
    public struct Entry: Sendable, Equatable {
        public var run: Run
        public var result: Result
    }

    public let path: String
    private let queue: DatabaseQueue

    /// `$XDG_DATA_HOME/tinybench/history.sqlite`, else `~/.local/share/tinybench/history.sqlite`.
    public static var defaultPath: String {
        let env = ProcessInfo.processInfo.environment
        let data = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/tinybench/history.sqlite"
    }

    /// Opens (creating it and its folder when needed) and migrates the database at `path`.
    public init(path: String = RunHistory.defaultPath) throws(HistoryError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            var configuration = Configuration()
            // Another run recording at the same moment: wait a little, then give up with a warning.
            configuration.busyMode = .timeout(2)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw .unusable(path, Self.reason(error))
        }
    }

    /// The schema, one registered migration per version; never edit a shipped one, add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs and results") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("recordedAt", .datetime).notNull()
                t.column("tool", .text).notNull()
                t.column("folder", .text).notNull()
            }
            try db.create(table: "result") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("benchmark", .text).notNull().indexed()
                t.column("mode", .text).notNull()
                t.column("device", .text).notNull()
                t.column("timing", .text).notNull()
                t.column("modelSHA256", .text)
                t.column("datasetSHA256", .text).notNull()
                t.column("throughput", .double)
                t.column("latencyMilliseconds", .double)
                t.column("quality", .double)
                t.column("microjoulesPerInference", .double)
                t.column("averagePowerWatts", .double)
                t.column("compliant", .boolean)
                t.column("targetMet", .boolean)
                t.column("interrupted", .boolean).notNull()
            }
        }
        return migrator
    }

    /// Records a session folder's results as one run; returns its id.
    @discardableResult
    public func record(_ folder: SessionFolder, at date: Date = Date()) throws(HistoryError) -> Int64 {
        do {
            let stored = try folder.results()
            return try queue.write { db in
                var run = Run(id: nil, recordedAt: date, tool: "tinybench \(TinyBenchInfo.version)",
                              folder: folder.url.standardizedFileURL.path)
                try run.insert(db)
                let runId = run.id ?? db.lastInsertedRowID
                for s in stored {
                    var row = Result(id: nil, runId: runId, benchmark: s.benchmark.id, mode: s.result.mode.rawValue,
                                     device: s.manifest.device.summary, timing: s.manifest.device.timing.rawValue,
                                     modelSHA256: s.manifest.modelSHA256, datasetSHA256: s.manifest.datasetSHA256,
                                     throughput: s.result.throughput, latencyMilliseconds: s.result.latencyMilliseconds,
                                     quality: s.benchmark.metric.isAUC ? s.result.auc : s.result.top1,
                                     microjoulesPerInference: s.result.microjoulesPerInference,
                                     averagePowerWatts: s.result.averagePowerWatts, compliant: s.result.compliant,
                                     targetMet: s.result.targetMet, interrupted: s.interrupted)
                    try row.insert(db)
                }
                return runId
            }
        } catch let error as SessionFolderError {
            throw .unreadableSession("\(error)")
        } catch {
            throw .unusable(path, Self.reason(error))
        }
    }

    /// Results, oldest first, optionally of one benchmark (id or short name) and of devices whose summary contains `device`.
    public func entries(benchmark: Benchmark? = nil, device: String? = nil) throws(HistoryError) -> [Entry] {
        do {
            return try queue.read { db in
                var request = Result.order(Column("runId"), Column("id"))
                if let benchmark { request = request.filter(Column("benchmark") == benchmark.id) }
                if let device { request = request.filter(Column("device").like("%\(device)%")) }
                let results = try request.fetchAll(db)
                let runs = Dictionary(try Run.fetchAll(db, keys: Set(results.map(\.runId))).compactMap { r in r.id.map { ($0, r) } },
                                      uniquingKeysWith: { a, _ in a })
                return results.compactMap { r in runs[r.runId].map { Entry(run: $0, result: r) } }
            }
        } catch {
            throw .unusable(path, Self.reason(error))
        }
    }

    /// The run with id `id`, or nil.
    public func run(_ id: Int64) throws(HistoryError) -> Run? {
        do {
            return try queue.read { db in try Run.fetchOne(db, key: id) }
        } catch {
            throw .unusable(path, Self.reason(error))
        }
    }

    private static func reason(_ error: Error) -> String {
        (error as? DatabaseError).map { $0.message ?? "\($0)" } ?? "\(error)"
    }
}

/// Why the history cannot be used (a warning for a run, an error for `tinybench history`).
public enum HistoryError: Error, CustomStringConvertible, Equatable {
    case unusable(String, String)
    case unreadableSession(String)
    case noSuchRun(Int64, String)

    public var description: String {
        switch self {
        case let .unusable(path, why): "the run history \(path) cannot be used (\(why)); move it aside to start a new one"
        case .unreadableSession(let why): "the session cannot be recorded: \(why)"
        case let .noSuchRun(id, path): "no run \(id) in the history \(path) (see `tinybench history`)"
        }
    }
}
