import Foundation

/// What produced a session's numbers, as reports need it: a line for tables,
/// where the timing comes from, and the system fields of a submission. A
/// connector fills it in; nothing above the transport asks what kind of DUT
/// it talks to.
public struct DeviceDescription: Sendable, Codable, Equatable {
    /// Where the DUT's time (and energy) comes from.
    public enum Timing: String, Sendable, Codable {
        /// A board's own timer (`m-lap-us`) and, in energy mode, a monitor's samples.
        case measured
        /// TinyRuntime with a board profile's cost model: a deterministic estimate.
        case costModel = "cost-model"
        /// QEMU's instruction count (one instruction is one nanosecond): no board's time.
        case instructionCount = "instruction-count"

        /// True when the figures are modelled, not measured on a board; they are labelled so wherever printed.
        public var isModelled: Bool { self != .measured }
    }

    /// One line for tables and results, e.g. "emulated (TinyRuntime + cost model of nucleo-l4r5zi-tflm)".
    public var summary: String
    public var timing: Timing
    /// Board, processor, clock, memory and software, where known (the submission's system description).
    public var board: String?
    public var processor: String?
    public var clockHz: Double?
    public var memory: String?
    public var framework: String?

    public init(summary: String, timing: Timing, board: String? = nil, processor: String? = nil, clockHz: Double? = nil,
                memory: String? = nil, framework: String? = nil) {
        self.summary = summary
        self.timing = timing
        self.board = board
        self.processor = processor
        self.clockHz = clockHz
        self.memory = memory
        self.framework = framework
    }

    /// A board on a port: measured, nothing else known until the submitter says.
    public static func board(on port: String) -> DeviceDescription {
        DeviceDescription(summary: "device on \(port)", timing: .measured)
    }
}

/// What the session records about where the numbers came from.
public struct SessionManifest: Sendable, Codable {
    public var tool = "tinybench \(TinyBenchInfo.version)"
    public var benchmark: String
    public var dut: DUTIdentity?
    public var port: String
    public var baud: Int?
    public var device: DeviceDescription {
        didSet { emulated = device.timing.isModelled }
    }
    /// True when the timings (and energy) are modelled, not measured on a board (kept with the device).
    public private(set) var emulated: Bool
    public var datasetPath: String
    public var datasetSHA256: String
    public var modelPath: String?
    public var modelSHA256: String?
    /// Accuracy shared among identical DUTs: the other DUTs' ports.
    public var accuracyPeers: [String]?
    /// Energy mode: the interface board's name and the monitor.
    public var interfaceBoard: String?
    public var monitor: MonitorIdentity?
    public var monitorSettings: MonitorSettings?

    /// The manifest of `benchmark` on `dataset` reached at `port`; `model` is
    /// the model the DUT runs, when known. The dataset's checksum is computed
    /// here unless given (several DUTs sharing one dataset read it once).
    public init(benchmark: Benchmark, dataset: Dataset, datasetSHA256: String? = nil, port: String, baud: Int?,
                device: DeviceDescription, model: ModelFile?) throws {
        self.benchmark = benchmark.id
        self.port = port
        self.baud = baud
        self.device = device
        emulated = device.timing.isModelled
        datasetPath = dataset.directory.deletingLastPathComponent().path
        self.datasetSHA256 = try datasetSHA256 ?? dataset.checksum()
        modelPath = model?.path
        modelSHA256 = model?.sha256
    }
}
