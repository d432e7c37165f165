import Foundation

/// Everything a run was asked to do: the benchmarks, the modes and their
/// settings, where the data is, and the bench. Kept in `<session>/run.json`
/// so `tinybench resume` can continue the run with the same request.
public struct RunRequest: Sendable, Codable {
    public var tool = "tinybench \(TinyBenchInfo.version)"
    /// Benchmark ids, in run order.
    public var benchmarks: [String]
    public var datasetRoot: String
    public var settings: SessionSettings
    /// Settings of single benchmarks, by benchmark id, in place of `settings` (a tests YAML's counts).
    public var benchmarkSettings: [String: SessionSettings] = [:]
    /// Where each benchmark's files are under the root, by benchmark id (default `<id>/y_labels.csv`).
    public var layouts: [String: DatasetLayout] = [:]
    public var bench: BenchDescription
    /// True for `all`: a benchmark that no DUT runs is left out and noted instead of failing.
    public var skipBenchmarksWithoutDUT = false
    public var timeouts = DUTClient.Timeouts()
    /// Each mode also writes its wire trace, trace.txt.gz (`--trace`).
    public var wireTrace = false

    public init(benchmarks: [Benchmark], datasetRoot: URL, settings: SessionSettings, bench: BenchDescription) {
        self.benchmarks = benchmarks.map(\.id)
        self.datasetRoot = datasetRoot.path
        self.settings = settings
        self.bench = bench
    }

    /// The benchmarks to run.
    public func benchmarkList() throws(RunRequestError) -> [Benchmark] {
        try benchmarks.map { id throws(RunRequestError) in
            // A streaming benchmark (sww01) is named for the firmware tools, but is not run file by file.
            guard let b = Benchmark.named(id), Benchmark.all.contains(b) else { throw .unknownBenchmark(id) }
            return b
        }
    }

    /// The settings of `benchmark`.
    public func settings(for benchmark: Benchmark) -> SessionSettings { benchmarkSettings[benchmark.id] ?? settings }

    /// Takes each benchmark's dataset folder, truth file and counts from a
    /// runner tests file, which describes one mode.
    public mutating func apply(_ tests: TestsFile) throws {
        let modes = settings.mode.modes
        guard modes.count == 1 else {
            throw BenchError.conflicting("a runner tests file describes one mode: give --mode performance, accuracy or energy with --tests")
        }
        for id in benchmarks {
            let plan = try tests.plan(for: id)
            layouts[id] = plan.layout
            benchmarkSettings[id] = try plan.settings(settings, for: modes[0])
        }
    }

    /// `run.json` of a session folder.
    public static func file(in session: URL) -> URL { session.appendingPathComponent("run.json") }

    /// The request a session was started with.
    public static func read(session: URL) throws(RunRequestError) -> RunRequest {
        let url = file(in: session)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(session.path) }
        do {
            return try JSONDecoder().decode(RunRequest.self, from: data)
        } catch {
            throw .unreadable(url.path, "\(error)")
        }
    }

    /// Writes `run.json` into the session folder (the latest run's request).
    public func write(to session: URL) throws {
        try FileManager.default.createDirectory(at: session, withIntermediateDirectories: true)
        try JSONOutput.encoder().encode(self).write(to: Self.file(in: session))
    }
}

/// Why a run request cannot be used.
public enum RunRequestError: Error, CustomStringConvertible {
    case missing(String)
    case unreadable(String, String)
    case unknownBenchmark(String)

    public var description: String {
        switch self {
        case .missing(let p): "\(p) holds no run.json: it is not a session folder tinybench can resume"
        case let .unreadable(p, why): "cannot read \(p): \(why)"
        case .unknownBenchmark(let id): "unknown benchmark '\(id)'"
        }
    }
}
