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
    public var progress: ((String) -> Void)?

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
        var outcomes = [WakewordStreamStep.Outcome]()
        for truth in truths {
            progress?("playing \(truth.wavFile) (\(String(format: "%.1f", truth.lengthSeconds)) s, \(truth.windows.count) wakewords)")
            let outcome = try step.run(truth)
            progress?("\(truth.wavFile): \(outcome.score.accuracyLine)")
            outcomes.append(outcome)
        }
        let manifest = WakewordResults.Manifest(device: device, interface: interface, dut: dutEndpoint, truthFile: truthURL.path,
                                                truthSHA256: Checksum.sha256(data), modelPath: model?.path, modelSHA256: model?.sha256)
        let results = WakewordResults(manifest: manifest, streams: outcomes)
        try results.write(to: WakewordResults.folder(in: session), log: log)
        return results
    }
}
