import Foundation

/// One stream of the sww01 benchmark, run as the MLCommons runner's `stream`
/// step runs it (`benchmark/runner/script.py`, `_ScriptStreamStep`): the DUT
/// `stop` (in case it was streaming) and `start`, the interface board's
/// `record_detections` and `play FILE` (which returns when the file has been
/// played), a quarter of a second, the DUT's `stop` (its wakeword scores),
/// then the board's `print_detections` and `print_dutycycle`, scored against
/// the stream's truth windows.
public struct WakewordStreamStep {
    /// What one stream gave.
    public struct Outcome: Sendable, Equatable, Codable {
        public var stream: String
        public var lengthSeconds: Double
        public var windows: [DetectionWindow]
        /// The board's detection timestamps (ms from `record_detections`), the sync marker first.
        public var detectionsMilliseconds: [Int]
        /// The DUT's wakeword score per frame (`target activations`); empty when it printed none.
        public var activations: [Int]
        public var score: WakewordDetectionScore.Result
        /// nil when the board recorded fewer than two frames of the processing pin.
        public var dutyCycle: WakewordDutyCycle?
        public var dutyCycleStartTicks: [Int]
        public var dutyCycleStopTicks: [Int]
        /// Wall-clock seconds the run took.
        public var hostSeconds: Double
        /// Energy mode: the monitor's trace between the DUT's `start` and `stop` timestamps.
        public var energy: EnergyWindowAnalysis?
    }

    /// How the step failed.
    public enum Failure: Error, CustomStringConvertible {
        case board(String, Error)
        case dut(String, DUTError)
        case reply(String, WakewordReplies.Malformed)
        case notPlayed(String, [String])
        case notOnCard(String, [String])
        case notStreaming(String, [String])
        case scoring(WakewordDetectionScore.Failure)

        public var description: String {
            switch self {
            case let .board(command, e): "interface board, '\(command)': \(e)"
            case let .dut(command, e): "DUT, '\(command)': \(e)"
            case let .reply(command, e): "'\(command)': \(e)"
            case let .notPlayed(file, lines):
                "the interface board did not play \(file): \(lines.joined(separator: " / "))"
            case let .notOnCard(file, files):
                "\(file) is not on the interface board's SD card (it holds: \(files.isEmpty ? "nothing" : files.joined(separator: ", ")))"
            case let .notStreaming(file, lines):
                "the DUT was not streaming when \(file) ended (did it reset?): its `stop` said \(lines.joined(separator: " / "))"
            case .scoring(let e): e.description
            }
        }
    }

    public let board: InterfaceBoard
    public let dut: DUTClient
    /// The runner's pause between the end of `play` and the DUT's `stop`.
    public var settleSeconds = 0.25
    /// Called with each line of the exchange, for the log.
    public var log: ((String) -> Void)?
    /// Called every ``progressInterval`` seconds while a stream plays (a real board plays in real time).
    public var progress: (@Sendable (String) -> Void)?
    public var progressInterval = 30.0

    public init(board: InterfaceBoard, dut: DUTClient) {
        self.board = board
        self.dut = dut
    }

    /// The WAV files on the board's SD card (`ls`).
    public func waves() throws(Failure) -> [String] {
        try boardCommand("ls").filter { $0.lowercased().hasSuffix("wav") }
    }

    /// Plays `truth`'s stream and scores what the board recorded.
    public func run(_ truth: WakewordStreamTruth) throws(Failure) -> Outcome {
        let began = ContinuousClock.now
        let onCard = try waves()
        guard onCard.contains(truth.wavFile) else { throw .notOnCard(truth.wavFile, onCard) }
        _ = try dutCommand("stop")
        _ = try dutCommand("start")
        _ = try boardCommand("record_detections")
        // The board answers when the file has been played: the runner allows its length + 10 s.
        let played = try whileTicking(truth) { () throws(Failure) in
            try boardCommand("play \(truth.wavFile)", timeout: truth.lengthSeconds + 10)
        }
        guard played.contains(where: { $0.hasPrefix("succeeded") }) else { throw .notPlayed(truth.wavFile, played) }
        Thread.sleep(forTimeInterval: settleSeconds)
        let stopped = try dutCommand("stop")
        let activations: [Int]
        do {
            // Without them the DUT was idle at `stop`: it stopped streaming on its own, and its detections are partial.
            guard let printed = try WakewordReplies.activations(stopped) else { throw Failure.notStreaming(truth.wavFile, stopped) }
            activations = printed
        } catch let e as WakewordReplies.Malformed {
            throw .reply("stop", e)
        } catch let e as Failure {
            throw e
        } catch {
            throw .reply("stop", WakewordReplies.Malformed(message: "\(error)"))
        }
        let detectionLines = try boardCommand("print_detections")
        let dutyCycleLines = try boardCommand("print_dutycycle")
        let detections: [Int]
        let ticks: (starts: [Int], stops: [Int])
        do {
            detections = try WakewordReplies.detections(detectionLines)
        } catch {
            throw .reply("print_detections", error)
        }
        do {
            ticks = try WakewordReplies.dutyCycleTicks(dutyCycleLines)
        } catch {
            throw .reply("print_dutycycle", error)
        }
        let score: WakewordDetectionScore.Result
        do {
            score = try WakewordDetectionScore.score(detectionsMilliseconds: detections, windows: truth.windows)
        } catch {
            throw .scoring(error)
        }
        let elapsed = ContinuousClock.now - began
        return Outcome(stream: truth.wavFile, lengthSeconds: truth.lengthSeconds, windows: truth.windows,
                       detectionsMilliseconds: detections, activations: activations, score: score,
                       dutyCycle: try? WakewordDutyCycle(startTicks: ticks.starts, stopTicks: ticks.stops),
                       dutyCycleStartTicks: ticks.starts, dutyCycleStopTicks: ticks.stops,
                       hostSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Runs `body` (the blocking `play`) while a background thread reports how far the stream has come.
    private func whileTicking<T>(_ truth: WakewordStreamTruth, _ body: () throws(Failure) -> T) throws(Failure) -> T {
        guard let progress else { return try body() }
        let done = DispatchSemaphore(value: 0)
        let began = ContinuousClock.now
        let interval = progressInterval
        let ticker = Thread {
            while done.wait(timeout: .now() + interval) == .timedOut {
                let elapsed = ContinuousClock.now - began
                progress(String(format: "\(truth.wavFile): playing, %.0f s of %.0f s", Double(elapsed.components.seconds), truth.lengthSeconds))
            }
        }
        ticker.start()
        defer { done.signal() }
        return try body()
    }

    private func boardCommand(_ text: String, timeout: Double? = nil) throws(Failure) -> [String] {
        log?("> board: \(text)%")
        let saved = board.timeout
        if let timeout { board.timeout = timeout }
        defer { board.timeout = saved }
        do {
            let lines = try board.command(text)
            for line in lines { log?("< board: \(line)") }
            return lines
        } catch {
            throw .board(text, error)
        }
    }

    private func dutCommand(_ text: String) throws(Failure) -> [String] {
        do {
            return try dut.command(text)
        } catch {
            throw .dut(text, error)
        }
    }
}
