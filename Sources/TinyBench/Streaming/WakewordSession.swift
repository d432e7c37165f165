import Foundation

/// An sww01 run: each stream of a truth file played through the interface
/// board to the DUT (``WakewordStreamStep``), scored, and written to
/// `<session>/sww/performance/` (``WakewordResults``).
public struct WakewordSession {
    public let board: InterfaceBoard
    public let dut: DUTClient
    public let truthURL: URL
    /// Only the stream of this WAV file; nil: every stream in the truth file.
    public var stream: String?
    /// Progress lines (`playing …`, one result line per stream).
    public var progress: (@Sendable (String) -> Void)?
    /// Energy mode: the monitor that powers the DUT (configured); each stream
    /// is one acquisition, its power the trace between the DUT's `start` and
    /// `stop` timestamps. Results go to `sww/energy/`.
    public var monitor: (any EnergyMonitor)?
    /// How long to wait for the monitor's last samples after the stream.
    public var monitorWaitSeconds = 3.0

    public init(board: InterfaceBoard, dut: DUTClient, truthURL: URL, stream: String? = nil) {
        self.board = board
        self.dut = dut
        self.truthURL = truthURL
        self.stream = stream
    }

    /// Why a session cannot run.
    public enum Failure: Error, CustomStringConvertible {
        case noSuchStream(String, [String])
        case emptyTruth(String)

        public var description: String {
            switch self {
            case let .noSuchStream(s, all): "the truth file has no stream '\(s)' (it has: \(all.joined(separator: ", ")))"
            case .emptyTruth(let p): "\(p) lists no stream"
            }
        }
    }

    /// Plays the streams, writes the results folder, returns the results.
    public func run(session: URL, device: DeviceDescription, interface: String, dutEndpoint: String,
                    model: (path: String, sha256: String)? = nil) throws -> WakewordResults {
        let data = try FileIO.read(truthURL)
        var truths = try WakewordStreamTruth.read(truthURL)
        guard !truths.isEmpty else { throw Failure.emptyTruth(truthURL.path) }
        if let stream {
            truths = truths.filter { $0.wavFile == stream }
            guard !truths.isEmpty else { throw Failure.noSuchStream(stream, try WakewordStreamTruth.read(truthURL).map(\.wavFile)) }
        }
        var log = [String]()
        let lock = NSLock()
        let record = { (line: String) in lock.withLock { log.append(line) } }
        dut.log = record
        var step = WakewordStreamStep(board: board, dut: dut)
        step.log = record
        step.progress = progress
        var outcomes = [WakewordStreamStep.Outcome]()
        let folder = WakewordResults.folder(in: session, mode: monitor == nil ? .performance : .energy)
        if let monitor {
            try monitor.powerOn()
            // The DUT boots behind the board; give it the time a board needs.
            Thread.sleep(forTimeInterval: 0.2)
        }
        defer { try? monitor?.powerOff() }
        for (i, truth) in truths.enumerated() {
            progress?("playing \(truth.wavFile) (\(String(format: "%.1f", truth.lengthSeconds)) s, \(truth.windows.count) wakewords)")
            var outcome: WakewordStreamStep.Outcome
            if let monitor {
                try monitor.startAcquisition()
                var stopped = false
                defer { if !stopped { _ = try? monitor.stopAcquisition() } }
                outcome = try step.run(truth)
                _ = try monitor.awaitTimestampPair(quiet: .milliseconds(Int(monitorWaitSeconds * 1000)))
                stopped = true
                let trace = try monitor.stopAcquisition()
                let analysis = EnergyWindowAnalysis(trace: trace, inferences: max(outcome.activations.count, 1), minimumSeconds: 0)
                outcome.energy = analysis
                try FileIO.createDirectory(folder)
                let plot = TracePlot(trace: trace, analysis: analysis, title: "sww energy: \(truth.wavFile)")
                let name = String(format: "energy_inf_%03d", i)
                try FileIO.write(Data(plot.png().encoded()), to: folder.appendingPathComponent("\(name).png"))
                try FileIO.write(Data(plot.svg().utf8), to: folder.appendingPathComponent("\(name).svg"))
                if let p = analysis.averagePowerWatts, analysis.valid {
                    let label = device.timing.isModelled ? " (emulated: modelled power, not a measurement)" : ""
                    progress?(String(format: "\(truth.wavFile): %.3f mW over %.3f s", p * 1e3, analysis.seconds ?? 0) + label)
                } else {
                    progress?("\(truth.wavFile): energy INVALID: \(analysis.problems.joined(separator: "; "))")
                }
            } else {
                outcome = try step.run(truth)
            }
            progress?("\(truth.wavFile): \(outcome.score.accuracyLine)")
            outcomes.append(outcome)
        }
        var manifest = WakewordResults.Manifest(device: device, interface: interface, dut: dutEndpoint, truthFile: truthURL.path,
                                                truthSHA256: Checksum.sha256(data), modelPath: model?.path, modelSHA256: model?.sha256)
        manifest.monitor = monitor?.identity
        manifest.monitorSettings = monitor?.settings
        let results = WakewordResults(manifest: manifest, streams: outcomes)
        try results.write(to: folder, log: log)
        return results
    }
}
