import Foundation

/// An open link to a DUT for one benchmark, and what the results should
/// record about it.
public struct DUTConnection {
    public var transport: any Transport
    public var manifest: SessionManifest
    /// Energy mode: the monitor powering the DUT (closed with the connection).
    public var monitor: (any EnergyMonitor)?
    /// Called after the transport and monitor are closed (e.g. to stop an emulated lab).
    public var onClose: (() -> Void)?

    public init(transport: any Transport, manifest: SessionManifest, monitor: (any EnergyMonitor)? = nil,
                onClose: (() -> Void)? = nil) {
        self.transport = transport
        self.manifest = manifest
        self.monitor = monitor
        self.onClose = onClose
    }

    /// Closes the DUT's link and the monitor (which switches the DUT off).
    public func close() {
        transport.close()
        monitor?.close()
        onClose?()
    }
}

/// Runs one or more benchmarks one after another into one session folder
/// (`<output>/<kws|vww|ad|ic>/<mode>/`), keeps going when one fails, and
/// summarises them in `<output>/summary.txt` and `summary.json`.
public final class SuiteRun {
    public let benchmarks: [Benchmark]
    public let datasetRoot: URL
    public let settings: SessionSettings
    public let output: URL
    public var timeouts = DUTClient.Timeouts()
    /// Progress callback: (benchmark, done, total, phase).
    public var progress: ((Benchmark, Int, Int, String) -> Void)?
    /// Called when a benchmark has finished (or failed), with its row.
    public var finished: ((RunSummary.Row) -> Void)?
    private let connect: (Benchmark, Dataset) throws -> DUTConnection

    /// `connect` opens the DUT for a benchmark whose dataset has been checked.
    public init(benchmarks: [Benchmark], datasetRoot: URL, settings: SessionSettings, output: URL,
                connect: @escaping (Benchmark, Dataset) throws -> DUTConnection) {
        self.benchmarks = benchmarks
        self.datasetRoot = datasetRoot
        self.settings = settings
        self.output = output
        self.connect = connect
    }

    public func run() throws -> RunSummary {
        var summary = RunSummary(output: output.path)
        for benchmark in benchmarks {
            let row = runOne(benchmark)
            summary.rows.append(row)
            finished?(row)
            try summary.write()
        }
        return summary
    }

    private func runOne(_ benchmark: Benchmark) -> RunSummary.Row {
        var row = RunSummary.Row(benchmark: benchmark, device: "not reached", emulated: false)
        do {
            let data = try Dataset(root: datasetRoot, benchmark: benchmark)
            let connection = try connect(benchmark, data)
            defer { connection.close() }
            row.device = connection.manifest.device
            row.emulated = connection.manifest.emulated
            let client = DUTClient(transport: connection.transport, timeouts: timeouts)
            let boot = DUTClient.bootBanner(connection.transport)
            let session = Session(client: client, benchmark: benchmark, dataset: data, settings: settings,
                                  manifest: connection.manifest, output: output)
            session.progress = { [weak self] in self?.progress?(benchmark, $0, $1, $2) }
            session.monitor = connection.monitor
            let modes: [RunMode] = switch settings.mode {
            case .all: [.performance, .accuracy]
            default: [settings.mode]
            }
            for mode in modes {
                do {
                    switch mode {
                    case .performance: row.add(try session.performance(bootLines: boot))
                    case .accuracy: row.add(try session.accuracy(bootLines: boot))
                    default: row.add(try session.energy(bootLines: boot))
                    }
                } catch {
                    row.error = "\(mode.rawValue) mode: \(error)"
                    break
                }
                // The DUT may have said it is emulated (behind a port).
                row.device = session.manifest.device
                row.emulated = session.manifest.emulated
            }
        } catch {
            row.error = "\(error)"
        }
        return row
    }
}
