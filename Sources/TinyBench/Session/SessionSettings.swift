import Foundation

/// The MLPerf Tiny mode a result belongs to.
public enum Mode: String, Sendable, CaseIterable, Codable {
    case performance, accuracy, energy
}

/// Which modes a run asks for: `all` is performance then accuracy; energy
/// needs its own firmware build and wiring, so it runs alone.
public enum ModeSelection: String, Sendable, CaseIterable, Codable {
    case performance, accuracy, all, energy

    /// The modes to run, in order.
    public var modes: [Mode] {
        switch self {
        case .performance: [.performance]
        case .accuracy: [.accuracy]
        case .all: [.performance, .accuracy]
        case .energy: [.energy]
        }
    }
}

/// Settings of one benchmark run.
public struct SessionSettings: Sendable, Codable {
    public var mode: ModeSelection = .all
    /// Performance windows (the rules: 5, each on a different file).
    public var windows = 5
    /// Minimum DUT time per window (the rules: 10 s); lower values are
    /// recorded as non-compliant.
    public var minWindowSeconds = 10.0
    /// Target window length, comfortably above the minimum like the runner's 12–20 s.
    public var targetWindowSeconds = 15.0
    /// Warm-up inferences before each window; nil: the benchmark's reference count.
    public var warmups: Int?
    /// Fewest timed inferences in a performance or energy window (a tests
    /// YAML's `infer N`); windows still grow to reach the minimum length.
    public var minimumInferences: Int?
    /// Accuracy: only the first this many files (a tests YAML's `loop N`); nil: every file.
    public var sampleLimit: Int?
    /// Attempts per sample when the link misbehaves before the run stops.
    public var attemptsPerSample = 3
    /// Every loaded buffer is read back (`db print`); accuracy mode asks for
    /// the results twice (`infer`, then `results`) and performance mode
    /// measures each window twice: a byte corrupted on the line then causes a
    /// retry instead of a wrong answer.
    public var verifyTransfers = true
    /// Inputs go as `db` hex commands even to a DUT that offers binary blocks
    /// (`tb-caps` lists `binary-db`); nil or false: binary when offered.
    public var hexOnly: Bool?
    /// Energy mode: after the DUT finished, how long the monitor may deliver
    /// nothing new before the trace is taken as it is (missing edges then
    /// make the window invalid).
    public var monitorWaitSeconds = 5.0

    public init() {}

    public var compliant: Bool { windows == 5 && minWindowSeconds >= 10 }
}
