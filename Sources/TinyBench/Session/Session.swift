import Foundation

/// Runs the MLPerf Tiny modes by the rules against one DUT and writes the
/// session folder the MLCommons submission checker expects:
/// `<output>/<kws|vww|ad|ic|ic2>/<performance|accuracy|energy>/{log.txt,results.txt,results.json}`,
/// plus `samples.jsonl` with every completed window or sample as it completes.
/// Each mode lives in its own file (PerformanceMode, AccuracyMode, EnergyMode).
public final class Session {
    public let client: DUTClient
    public let benchmark: Benchmark
    public let dataset: Dataset
    public let settings: SessionSettings
    public var manifest: SessionManifest
    public let output: URL
    /// Progress callback: (done, total, phase).
    public var progress: ((Int, Int, String) -> Void)?
    /// What the person running the session should hear at once, one line
    /// each: every retry of a failed step (log.txt has them too).
    public var notice: ((String) -> Void)?
    /// Energy mode: the monitor that powers the DUT and sees its timestamps.
    public var monitor: (any EnergyMonitor)?
    /// Asked before each command, between reads and between samples; a stop
    /// request ends the mode with its results marked INTERRUPTED.
    public var interruption: Interruption? {
        didSet { client.interruption = interruption }
    }
    /// Continue each mode from its folder (samples.jsonl, manifest.json) instead of starting it afresh.
    public var resume = false
    /// Also write every byte of the link to `trace.txt.gz` beside each
    /// mode's log.txt (see ``WireTrace``): log.txt sums up each input
    /// transfer in one line, the trace has its every `db` command.
    public var wireTrace = false
    /// The attempt ``withRetries(_:_:)`` is on (1 for the first), which a
    /// transfer's log line names when it is a retry.
    private(set) var attempt = 1

    public init(client: DUTClient, benchmark: Benchmark, dataset: Dataset, settings: SessionSettings,
                manifest: SessionManifest, output: URL) {
        self.client = client
        self.benchmark = benchmark
        self.dataset = dataset
        self.settings = settings
        self.manifest = manifest
        self.output = output
    }

    /// The result of one mode: where its files are and its headline figures.
    public struct ModeResult: Sendable {
        public var mode: Mode
        public var folder: URL
        /// Performance: median throughput (inf./s) and the latency it implies (ms).
        public var throughput: Double?
        public var latencyMilliseconds: Double?
        /// Performance: 5 windows of at least 10 s each.
        public var compliant: Bool?
        /// Energy: median µJ per inference and average power, nil when the run is invalid.
        public var microjoulesPerInference: Double?
        public var averagePowerWatts: Double?
        /// Energy: why the run is invalid (empty when valid).
        public var problems: [String] = []
        /// Accuracy: top-1 (0...1) of a classifier, or AUC for ad01, and whether the quality target is met.
        public var top1: Double?
        public var auc: Double?
        public var targetMet: Bool?

        public init(mode: Mode, folder: URL) {
            self.mode = mode
            self.folder = folder
        }
    }

    /// Every mode the settings select, in order.
    public func run(bootLines: [String] = []) throws -> [ModeResult] {
        try settings.mode.modes.map { try run($0, bootLines: bootLines) }
    }

    /// One mode.
    public func run(_ mode: Mode, bootLines: [String] = []) throws -> ModeResult {
        switch mode {
        case .performance: try performance(bootLines: bootLines)
        case .accuracy: try accuracy(bootLines: bootLines)
        case .energy: try energy(bootLines: bootLines)
        }
    }

    /// Warm-ups before each performance or energy window.
    var warmups: Int { settings.warmups ?? benchmark.referenceWarmups }

    // MARK: - Helpers shared by the modes

    /// A mode's folder, created (or, resuming, continued), with its log
    /// (which the client writes every line to), its samples.jsonl and (with
    /// ``wireTrace``) its trace opened. The mode ends with ``closeRecord(_:)``.
    func openRecord(_ mode: Mode) throws -> ModeRecord {
        let record = try ModeRecord(folder: output.appendingPathComponent(benchmark.shortName).appendingPathComponent(mode.rawValue),
                                    resume: resume, wireTrace: wireTrace)
        client.log = { record.log.write($0) }
        client.resetLinkUsage()
        if let trace = record.trace { client.wire = { trace.record($0, $1) } }
        if resume { record.log.write("# resumed: \(record.previousLines.count) record(s) of the interrupted run kept") }
        return record
    }

    /// Detaches the client from a mode's files and completes its trace.
    func closeRecord(_ record: ModeRecord) {
        if client.linkUsage.sentBytes > 0 { record.log.write("# \(client.linkUsage.summary)") }
        client.log = nil
        client.wire = nil
        record.trace?.close()
        record.log.flush()
    }
    /// Identifies the DUT and records the manifest in `manifest.json`; when
    /// resuming, the DUT, model and dataset must be those of the interrupted
    /// run, or the mode stops with the difference.
    func begin(_ record: ModeRecord, bootLines: [String]) throws -> DUTIdentity {
        let identity = try identifyAndCheck(bootLines: bootLines, log: record.log)
        if resume, let earlier = record.previousManifest {
            var differences = [String]()
            if earlier.datasetSHA256 != manifest.datasetSHA256 { differences.append("the dataset's files differ (SHA-256 \(earlier.datasetSHA256.prefix(12))… then, \(manifest.datasetSHA256.prefix(12))… now)") }
            if let a = earlier.modelSHA256, let b = manifest.modelSHA256, a != b { differences.append("the model differs (SHA-256 \(a.prefix(12))… then, \(b.prefix(12))… now)") }
            if let dut = earlier.dut, dut.name != identity.name || dut.profile != identity.profile || dut.model != identity.model {
                differences.append("the DUT differs ('\(dut.name)', \(dut.profile), \(dut.model) then; '\(identity.name)', \(identity.profile), \(identity.model) now)")
            }
            guard differences.isEmpty else { throw SessionError.cannotResume(record.folder.path, differences.joined(separator: "; ")) }
        }
        try record.writeJSON(manifest, name: "manifest.json")
        return identity
    }

    /// Runs a mode's body; a stop request (however it surfaced) becomes
    /// ``SessionError/interrupted(_:)`` after `interrupted` has written what completed.
    func stoppable<T>(_ body: () throws -> T, interrupted: (Int32) throws -> Void) throws -> T {
        do {
            return try body()
        } catch {
            guard let signal = Self.interruptingSignal(error) ?? interruption?.signal else { throw error }
            try interrupted(signal)
            throw SessionError.interrupted(signal)
        }
    }

    private static func interruptingSignal(_ error: Error) -> Int32? {
        switch error {
        case SessionError.interrupted(let signal): signal
        case DUTError.interrupted(_, let signal): signal
        case SessionError.failed(_, let inner): interruptingSignal(inner)
        default: nil
        }
    }

    /// The results.txt line of an interrupted mode: what completed, no score the checker could read.
    func interruptedLine(_ mode: Mode, signal: Int32, completed: Int, of total: Int, _ unit: String) -> String {
        "\(benchmark.shortName) \(mode.rawValue): INTERRUPTED by \(Interruption.name(signal)) after \(completed) of \(total) \(unit); no score (continue with `tinybench resume \(output.path)`)"
    }

    func identifyAndCheck(bootLines: [String], log: SessionLog) throws -> DUTIdentity {
        let identity: DUTIdentity
        do {
            identity = try withRetries("identifying the DUT", describe: handshakeProblem) { try client.identify(bootLines: bootLines) }
        } catch SessionError.failed(_, DUTError.timeout(let command, let seconds, let lastLine)) {
            // A DUT that never answered: say what to check, not only that it timed out.
            throw SessionError.noAnswer(handshakeProblem(.timeout(command: command, seconds: seconds, lastLine: lastLine)),
                                        attempts: max(settings.attemptsPerSample, 1), behindInterfaceBoard: manifest.interfaceBoard != nil)
        }
        manifest.dut = identity
        let transfer = client.negotiateTransfer(binary: settings.hexOnly != true)
        client.resetLinkUsage()
        // The endpoint carries the baud rate an RFC 2217 server acknowledged.
        log.write("# port: \(client.transport.endpoint)")
        log.write("# DUT: \(identity.name), \(identity.profile), model \(identity.model); \(manifest.device.summary)")
        log.write("# inputs: " + (transfer == .binary ? "binary blocks with CRC-32 (tb-db, negotiated with tb-caps)" : "db hex commands"))
        if client.directDUT != nil {
            log.write("# link: none, the DUT runs in this process: each command and block below is handed to it as a value "
                      + "(no bytes written or read, no CRC computed); its virtual clock and the link counts "
                      + "advance by the bytes the wire would carry, so the results are those of the byte path")
        }
        guard identity.model == benchmark.id else { throw SessionError.wrongModel(dut: identity.model, requested: benchmark.id) }
        return identity
    }

    /// Runs `body`; after a link failure (timeout, garbage, a reset) it
    /// resynchronises and starts the step over, at most `attemptsPerSample`
    /// times. Each failed attempt is a ``notice``, told by `describe` when given.
    func withRetries<T>(_ what: String, describe: ((DUTError) -> String)? = nil, _ body: () throws -> T) throws -> T {
        var lastError: Error?
        defer { attempt = 1 }
        let attempts = max(settings.attemptsPerSample, 1)
        for attempt in 1...attempts {
            self.attempt = attempt
            do {
                return try body()
            } catch let error as DUTError {
                if case .transport(.closed) = error { throw SessionError.failed(what, error) }
                if case .interrupted(_, let signal) = error { throw SessionError.interrupted(signal) }
                lastError = error
                client.log?("# \(what): \(error); resynchronising")
                notice?("\(describe?(error) ?? "\(what): \(error)") (attempt \(attempt) of \(attempts))")
                try? client.resynchronise()
            }
        }
        throw SessionError.failed(what, lastError!)
    }

    /// A failed handshake in words, e.g. `no answer to name% on /dev/ttyACM0 at 115200 baud within 5.0 s`.
    private func handshakeProblem(_ error: DUTError) -> String {
        guard case let .timeout(command, seconds, lastLine) = error else { return "identifying the DUT: \(error)" }
        let link = manifest.interfaceBoard != nil ? "from the DUT behind the interface board on \(manifest.port)"
            : "on \(manifest.port)" + (manifest.baud.map { " at \($0) baud" } ?? "")
        let within = "within \(String(format: "%.1f", seconds)) s"
        // Text without m-ready is what a wrong baud rate looks like.
        return lastLine.map { "no m-ready after \(command)% \(link) \(within), only '\($0.prefix(40))'" }
            ?? "no answer to \(command)% \(link) \(within)"
    }

    /// `db load` + `db <hex>`, read back with `db print` when transfers are verified.
    func loadChecked(_ bytes: [UInt8]) throws {
        try client.load(bytes, readBack: settings.verifyTransfers, attempt: attempt)
    }

    /// The label results carry when the figures are modelled, e.g.
    /// " (emulated timing, not a measurement on a board: <device>)"; empty when measured.
    func modelledLabel(_ what: String) -> String {
        manifest.emulated ? " (emulated \(what), not a measurement on a board: \(manifest.device.summary))" : ""
    }
}

/// A mode's folder while it is written: log.txt, samples.jsonl and (when
/// asked for) trace.txt.gz grow as the run goes; manifest.json is written
/// when the DUT is identified, results.txt and results.json at the end.
final class ModeRecord: @unchecked Sendable {
    let folder: URL
    let log: SessionLog
    let samples: JSONLines
    /// Resuming: the complete lines of samples.jsonl (a line cut short by a
    /// killed run is dropped) and the manifest of the interrupted run.
    let previousLines: [Data]
    let previousManifest: SessionManifest?
    let trace: WireTrace?

    init(folder: URL, resume: Bool = false, wireTrace: Bool = false) throws {
        try FileIO.createDirectory(folder)
        self.folder = folder
        let samplesURL = folder.appendingPathComponent("samples.jsonl")
        if resume {
            let text = FileManager.default.contents(atPath: samplesURL.path) ?? Data()
            previousLines = text.split(separator: 10).map { Data($0) }.filter { (try? JSONSerialization.jsonObject(with: $0)) != nil }
            previousManifest = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path)
                .flatMap { try? JSONDecoder().decode(SessionManifest.self, from: $0) }
        } else {
            previousLines = []
            previousManifest = nil
        }
        log = try SessionLog(url: folder.appendingPathComponent("log.txt"), append: resume)
        samples = try JSONLines(url: samplesURL)
        for line in previousLines { try samples.appendLine(line) }
        trace = wireTrace ? try WireTrace(url: folder.appendingPathComponent("trace.txt.gz"), start: log.start, log: log, append: resume) : nil
    }

    /// The records of the interrupted run, decoded.
    func previous<T: Decodable>(_ type: T.Type) -> [T] {
        previousLines.compactMap { try? JSONDecoder().decode(T.self, from: $0) }
    }

    /// Records one completed window or sample, unless the log has failed:
    /// a step whose dialogue is not in log.txt is not recorded as done.
    func save<T: Encodable>(_ value: T) throws {
        try log.check()
        try samples.append(value)
    }

    func writeResults(_ lines: [String]) throws(FileError) {
        try log.check()
        try FileIO.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("results.txt"))
    }

    func writeJSON<T: Encodable>(_ value: T, name: String = "results.json") throws {
        try writeJSON(try JSONOutput.encoder().encode(value), name: name)
    }

    /// JSON already encoded.
    func writeJSON(_ json: Data, name: String = "results.json") throws {
        try FileIO.write(json, to: folder.appendingPathComponent(name))
    }
}

/// Appends one JSON object per line, flushed at once: the record of every
/// completed step that survives an interrupted run. Safe to share between
/// the DUTs of a sharded run.
final class JSONLines: @unchecked Sendable {
    let url: URL
    private let handle: FileHandle
    private let encoder = JSONOutput.encoder(pretty: false)
    private let lock = NSLock()
    /// Bytes of whole lines written: a failed append is cut back to it.
    private var size: UInt64 = 0

    init(url: URL) throws(FileError) {
        self.url = url
        handle = try FileIO.create(url)
    }

    /// Appends `value` as one line. When the write fails (a full disk) the
    /// part written is removed, so the file holds only whole lines, and the
    /// failure names the file.
    /// An accuracy sample is written by ``PlainJSON`` when it can be (the same bytes).
    func append<T: Encodable>(_ value: T) throws {
        if let sample = value as? AccuracySample, let line = sample.plainJSONLine { return try appendLine(Data(line)) }
        try appendLine(try encoder.encode(value))
    }

    /// Appends one encoded object and its newline.
    func appendLine(_ json: Data) throws {
        let line = json + [10]
        lock.lock()
        defer { lock.unlock() }
        do {
            try handle.write(contentsOf: line)
            size += UInt64(line.count)
        } catch {
            try? handle.truncate(atOffset: size)
            throw FileError("write", url.path, error)
        }
    }
}

/// Why a session stopped.
public enum SessionError: Error, CustomStringConvertible {
    case wrongModel(dut: String, requested: String)
    case energyFirmware(String)
    case zeroInterval(String)
    case badResults(String, String)
    case failed(String, Error)
    case noMonitor
    case noTimestamps(String)
    case differentDUTs(String)
    case interrupted(Int32)
    case cannotResume(String, String)
    /// The DUT never answered the handshake: the last problem, the attempts made, where it was.
    case noAnswer(String, attempts: Int, behindInterfaceBoard: Bool)

    public var description: String {
        switch self {
        case let .wrongModel(dut, requested): "the DUT runs \(dut), but \(requested) was requested"
        case .energyFirmware(let n): "\(n) is built in energy timestamp mode (m-timestamp-mode-energy, no m-lap-us): flash the performance build for performance runs, or use --mode energy"
        case .zeroInterval(let w): "the DUT reported a zero-length interval in \(w)"
        case let .badResults(f, why): "results for \(f): \(why)"
        case let .failed(what, e): "stopped while \(what): \(e) (completed steps are in samples.jsonl)"
        case .noMonitor: "energy mode needs an energy monitor (--monitor)"
        case .noTimestamps(let why): "energy calibration failed: \(why). Is the DUT running its energy build (GPIO timestamps), and is its timestamp pin wired to the monitor's timestamp input (Docs/energy.md)?"
        case .differentDUTs(let why): "an accuracy run is shared only among identical DUTs: \(why)"
        case .interrupted(let signal): "interrupted by \(Interruption.name(signal)); what completed is kept"
        case let .cannotResume(folder, why): "cannot resume \(folder): \(why)"
        case let .noAnswer(problem, attempts, behindBoard):
            "stopped while identifying the DUT: \(problem) (\(attempts) attempt\(attempts == 1 ? "" : "s")). "
                + Self.silentDUTHint(behindInterfaceBoard: behindBoard)
        }
    }

    /// What to check when a DUT does not answer, directly or behind an interface board.
    private static func silentDUTHint(behindInterfaceBoard: Bool) -> String {
        if behindInterfaceBoard {
            return "Check that the DUT runs its energy-mode build at the interface board's DUT baud rate (9600 by default), "
                + "that it is wired to the board and powered by the monitor, and that no other program holds the board's port."
        }
        return "Check the baud rate (--baud; performance builds talk at 115200, while energy-mode firmware talks at 9600 "
            + "behind the interface board: use --mode energy with --interface), that the DUT is powered, flashed and on this port, "
            + "and that no other program (a serial terminal, ModemManager) holds the port."
    }
}
