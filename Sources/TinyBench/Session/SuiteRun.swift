import Foundation

/// Runs benchmarks into one session folder (`<output>/<kws|vww|ad|ic|ic2>/<mode>/`)
/// on one or more DUTs, keeps going when one fails, and summarises them in
/// `<output>/summary.txt` and `summary.json`; the request is kept in
/// `<output>/run.json`.
///
/// With several DUTs, each board runs the benchmark its firmware was built
/// for (asked over the link) and DUTs that run any benchmark (emulated) take
/// the others in turn; different DUTs run at the same time. Identical DUTs of
/// one benchmark share its accuracy run (see ``Session/accuracy(bootLines:peers:)``);
/// performance and energy run on the first of them.
///
/// A stop request (``interruption``) ends the mode in flight with its
/// results marked INTERRUPTED and runs nothing further. With `resume`, modes
/// whose results are complete are kept and the others continue from their
/// records (``Session/resume``).
public final class SuiteRun: @unchecked Sendable {
    public let request: RunRequest
    public let benchmarks: [Benchmark]
    public let output: URL
    /// Continue the session in `output` instead of starting it.
    public var resume = false
    /// Asked between reads and samples; nil: the run cannot be interrupted.
    public var interruption: Interruption?
    /// What to do when the output folder holds results this run would write (not asked when resuming).
    public var existingResults = ExistingResults.refuse
    /// Progress callback: (benchmark, done, total, phase). Called from the thread of the DUT that made progress.
    public var progress: (@Sendable (Benchmark, Int, Int, String) -> Void)?
    /// A session's notices (each retry of a failed step), with the benchmark; from the DUT's thread.
    public var notice: (@Sendable (Benchmark, String) -> Void)?
    /// Called when a benchmark has finished (or failed), with its row; one call at a time.
    public var finished: (@Sendable (RunSummary.Row) -> Void)?
    private let connectors: [any DUTConnector]
    private let lock = NSLock()

    public init(request: RunRequest, output: URL, connectors: [any DUTConnector]) throws {
        self.request = request
        benchmarks = try request.benchmarkList()
        self.output = output
        self.connectors = connectors
    }

    /// The benchmarks given to each group of DUTs.
    struct Assignment {
        var benchmarks: [Benchmark]
        var connectors: [any DUTConnector]
    }

    public func run() throws -> RunSummary {
        // An output folder that cannot be created fails before any DUT is asked.
        try FileIO.createDirectory(output)
        try request.write(to: output)
        let (assignments, skipped) = try plan()
        if !resume {
            try SessionFolder(url: output).prepare(for: assignments.flatMap { assignment in
                assignment.benchmarks.flatMap { b in request.settings(for: b).mode.modes.map { (b, $0) } }
            }, existing: existingResults)
        }
        var summary = RunSummary(output: output.path)
        summary.skipped = skipped.map(\.id)
        runConcurrently(assignments.map { assignment in
            {
                for benchmark in assignment.benchmarks {
                    let row = self.interruption?.signal.map { self.notRun(benchmark, $0) } ?? self.runOne(benchmark, on: assignment.connectors)
                    self.lock.lock()
                    summary.rows.append(row)
                    summary.rows.sort { self.order($0.benchmark) < self.order($1.benchmark) }
                    self.finished?(row)
                    try? summary.write()
                    self.lock.unlock()
                }
            }
        })
        summary.interrupted = interruption?.signal.map(Interruption.name)
        do {
            try summary.write()
        } catch {
            // A benchmark that failed says why, usually for the same cause (a
            // full disk): that first error is the one reported.
            guard summary.rows.contains(where: { $0.error != nil }) else { throw error }
        }
        return summary
    }

    private func order(_ id: String) -> Int { benchmarks.firstIndex { $0.id == id } ?? benchmarks.count }

    private func notRun(_ benchmark: Benchmark, _ signal: Int32) -> RunSummary.Row {
        var row = RunSummary.Row(benchmark: benchmark, device: "not reached", emulated: false)
        row.error = "not run: interrupted by \(Interruption.name(signal))"
        return row
    }

    /// Which DUTs run which benchmarks. One DUT runs every benchmark asked
    /// for (a board then runs the one its firmware has, which the session
    /// checks); several DUTs are asked what their firmware runs.
    func plan() throws -> (assignments: [Assignment], skipped: [Benchmark]) {
        if connectors.count == 1 && benchmarks.count == 1 {
            return ([Assignment(benchmarks: benchmarks, connectors: connectors)], [])
        }
        var boards = [Benchmark: [any DUTConnector]]()
        var flexible = [any DUTConnector]()
        for connector in connectors {
            let benchmark: Benchmark?
            do {
                benchmark = try connector.firmwareBenchmark()
            } catch {
                throw SuiteRunError.cannotAsk(connector.label, error)
            }
            if let benchmark { boards[benchmark, default: []].append(connector) } else { flexible.append(connector) }
        }
        var assignments = [Assignment]()
        var skipped = [Benchmark]()
        var unserved = [Benchmark]()
        for benchmark in benchmarks {
            if let duts = boards[benchmark] {
                assignments.append(Assignment(benchmarks: [benchmark], connectors: duts))
            } else {
                unserved.append(benchmark)
            }
        }
        if flexible.isEmpty {
            guard request.skipBenchmarksWithoutDUT || unserved.isEmpty else {
                throw SuiteRunError.noDUT(unserved, connectors.map(\.label))
            }
            skipped = unserved
        } else {
            // Benchmarks no board runs go to the DUTs that run anything, in turn.
            for (i, benchmark) in unserved.enumerated() {
                let k = i % flexible.count
                if let a = assignments.firstIndex(where: { $0.connectors.count == 1 && $0.connectors[0].label == flexible[k].label }) {
                    assignments[a].benchmarks.append(benchmark)
                } else {
                    assignments.append(Assignment(benchmarks: [benchmark], connectors: [flexible[k]]))
                }
            }
        }
        return (assignments, skipped)
    }

    private func runOne(_ benchmark: Benchmark, on connectors: [any DUTConnector]) -> RunSummary.Row {
        var row = RunSummary.Row(benchmark: benchmark, device: "not reached", emulated: false)
        let settings = request.settings(for: benchmark)
        let folder = SessionFolder(url: output)
        // Resuming: modes with complete results stay as they are.
        var modes = settings.mode.modes
        if resume {
            for mode in modes {
                guard let done = try? folder.completedResult(benchmark, mode) else { continue }
                row.add(done.result)
                row.describe([done.manifest])
                modes.removeAll { $0 == mode }
            }
            if modes.isEmpty { return row }
        }
        do {
            let data = try Dataset(root: URL(fileURLWithPath: request.datasetRoot), benchmark: benchmark,
                                   layout: request.layouts[benchmark.id] ?? DatasetLayout())
            var connections = [DUTConnection]()
            defer { connections.forEach { $0.close() } }
            if connectors.count == 1 {
                // One DUT that can be opened several times (the in-process
                // emulator) shares its accuracy run across the copies, each
                // loading and preparing its own interpreter: side by side.
                let copies = modes.contains(.accuracy) ? max(1, connectors[0].accuracyShards) : 1
                let opened = concurrentResults(copies) { _ in try connectors[0].connect(benchmark) }
                connections = opened.compactMap { try? $0.get() }
                for outcome in opened { _ = try outcome.get() }
            } else {
                for connector in connectors { connections.append(try connector.connect(benchmark)) }
            }
            let checksum = try data.checksum()
            let manifests = try connections.map { try $0.manifest(for: benchmark, dataset: data, datasetSHA256: checksum) }
            row.describe(manifests)
            let sessions = zip(connections, manifests).map { connection, manifest in
                var settings = settings
                // Without a wire nothing can be corrupted: verifying only costs time.
                if connection.transport.isLossless { settings.verifyTransfers = false }
                let session = Session(client: DUTClient(transport: connection.transport, timeouts: request.timeouts),
                                      benchmark: benchmark, dataset: data, settings: settings, manifest: manifest, output: output)
                session.progress = { [weak self] in self?.progress?(benchmark, $0, $1, $2) }
                session.notice = { [weak self] in self?.notice?(benchmark, $0) }
                session.monitor = connection.monitor
                session.interruption = interruption
                session.resume = resume
                session.wireTrace = request.wireTrace
                return session
            }
            let peers = zip(sessions, connections).dropFirst().map { AccuracyPeer(session: $0, bootLines: $1.bootLines) }
            for mode in modes {
                do {
                    switch mode {
                    case .accuracy: row.add(try sessions[0].accuracy(bootLines: connections[0].bootLines, peers: peers))
                    case .performance, .energy: row.add(try sessions[0].run(mode, bootLines: connections[0].bootLines))
                    }
                } catch {
                    row.error = "\(mode.rawValue) mode: \(error)"
                    break
                }
            }
        } catch {
            row.error = "\(error)"
        }
        return row
    }
}

/// Why a run over several DUTs could not be planned.
public enum SuiteRunError: Error, CustomStringConvertible {
    case cannotAsk(String, Error)
    case noDUT([Benchmark], [String])

    public var description: String {
        switch self {
        case let .cannotAsk(dut, error): "cannot ask the DUT on \(dut) for the one benchmark its firmware was built for: \(error)"
        case let .noDUT(benchmarks, duts): "no DUT runs \(benchmarks.map(\.id).joined(separator: ", ")) (DUTs: \(duts.joined(separator: ", ")))"
        }
    }
}
