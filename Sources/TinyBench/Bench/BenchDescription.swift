import Foundation

/// A bench described once, from command-line options or an MLCommons
/// devices.yaml: its DUTs and, for energy mode, the interface board and the
/// monitor. ``connectors()`` (in TinyBenchEmulators, which knows the emulated
/// devices) turns it into ``DUTConnector``s.
public struct BenchDescription: Sendable, Codable {
    /// One DUT of the bench.
    public enum DUT: Sendable, Equatable, Codable {
        /// A board (or anything speaking the protocol) on a serial path, pseudo-terminal or remote URL.
        case port(String, baud: Int)
        /// TinyBench's firmware under QEMU.
        case qemu(firmware: String)
        /// The emulated DUT, in process or hosted on a pseudo-terminal.
        case emulated(pty: Bool)
    }

    /// The energy bench: the interface board in front of the DUT and the monitor powering it.
    public struct EnergyBench: Sendable, Equatable, Codable {
        /// The interface board's port and rate; nil with the emulated lab, which hosts its own.
        public var interface: String?
        public var interfaceBaud: Int
        public var monitor: MonitorSpec
        /// True: the emulated lab (emulated DUT, interface board and monitor).
        public var emulatedLab: Bool

        public init(interface: String?, interfaceBaud: Int = 115_200, monitor: MonitorSpec, emulatedLab: Bool = false) {
            self.interface = interface
            self.interfaceBaud = interfaceBaud
            self.monitor = monitor
            self.emulatedLab = emulatedLab
        }
    }

    /// The DUTs for performance and accuracy (empty in energy mode, where the DUT is behind the interface board).
    public var duts: [DUT]
    public var energy: EnergyBench?
    /// The board profile whose cost model an emulated DUT uses.
    public var profile: String
    /// A model file given by the user (one benchmark), else the bundled demo models for emulated DUTs.
    public var model: String?
    public var demoRoot: URL?
    /// Interpreters an in-process emulated DUT shares an accuracy run across
    /// (`--jobs`); nil: one per core.
    public var accuracyJobs: Int?

    public init(duts: [DUT], energy: EnergyBench? = nil, profile: String, model: String? = nil, demoRoot: URL? = nil) {
        self.duts = duts
        self.energy = energy
        self.profile = profile
        self.model = model
        self.demoRoot = demoRoot
    }

    /// Whether any DUT is emulated or the energy bench is the emulated lab.
    public var hasEmulatedDUT: Bool {
        energy?.emulatedLab == true || duts.contains { if case .emulated = $0 { true } else { false } }
    }

    /// Which model an emulated DUT runs.
    public var emulatedModel: ModelSource {
        if let model { return .file(model) }
        return demoRoot.map(ModelSource.demo) ?? .unknown
    }

    /// Which model a board is recorded as running: only one the user named.
    public var boardModel: ModelSource { model.map(ModelSource.file) ?? .unknown }

    /// Checks that the description fits the modes and benchmarks asked for.
    public func validate(mode: ModeSelection, benchmarks: [Benchmark]) throws(BenchError) {
        if mode == .energy {
            guard duts.isEmpty else { throw .energyThroughInterface }
            guard let energy, energy.emulatedLab || energy.interface != nil else { throw .energyNeedsBench }
            if energy.emulatedLab && energy.interface != nil { throw .labHasItsOwnInterface }
        } else {
            guard energy == nil else { throw .energyOptionsWithoutEnergyMode }
            guard !duts.isEmpty else { throw .noDUT }
        }
        if model != nil && benchmarks.count > 1 && hasEmulatedDUT { throw .oneModelForSeveralBenchmarks }
    }
}

/// A bench description that cannot be used as given.
public enum BenchError: Error, Equatable, CustomStringConvertible {
    case energyNeedsBench
    case energyThroughInterface
    case labHasItsOwnInterface
    case energyOptionsWithoutEnergyMode
    case noDUT
    case oneModelForSeveralBenchmarks
    case conflicting(String)

    public var description: String {
        switch self {
        case .energyNeedsBench: "energy mode needs --interface PORT and --monitor lpm01a:PORT|ppk2:PORT|js220 (or --emulated-lab)"
        case .energyThroughInterface: "energy mode reaches the DUT through the interface board: give --interface and --monitor (or --emulated-lab), not --port or --qemu"
        case .labHasItsOwnInterface: "--emulated-lab hosts its own interface board: do not also give --interface"
        case .energyOptionsWithoutEnergyMode: "--interface, --monitor and --emulated-lab belong to --mode energy"
        case .noDUT: "the bench has no DUT"
        case .oneModelForSeveralBenchmarks: "--model names one model; `all` uses each benchmark's bundled demo model"
        case .conflicting(let why): why
        }
    }
}
