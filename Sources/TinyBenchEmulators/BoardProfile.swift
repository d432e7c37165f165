import TinyBench
import TinyRuntime

/// A named microcontroller setup whose time and power the emulated DUT models.
///
/// Cycles per inference come from ``CostModel``; latency is cycles / clock.
/// The figures are estimates, calibrated against published measurements, and
/// every number derived from them is labelled as emulated.
public struct BoardProfile: Sendable, Equatable {
    public let name: String
    public let description: String
    /// The board, processor and memory the profile models (for the system description).
    public let board: String
    public let processor: String
    public let memory: String
    public let clockHz: Double
    public let cost: CostModel
    /// Average power while inferring and while idle, in watts (for energy emulation).
    public let activePowerWatts: Double
    public let idlePowerWatts: Double
    /// UART speed used to charge virtual time for protocol traffic.
    public let baud: Int

    public init(name: String, description: String, board: String, processor: String, memory: String, clockHz: Double,
                cost: CostModel, activePowerWatts: Double, idlePowerWatts: Double, baud: Int) {
        self.name = name
        self.description = description
        self.board = board
        self.processor = processor
        self.memory = memory
        self.clockHz = clockHz
        self.cost = cost
        self.activePowerWatts = activePowerWatts
        self.idlePowerWatts = idlePowerWatts
        self.baud = baud
    }

    /// The same board with its clock `factor` times as fast (what-if runs, tests).
    public func clocked(times factor: Double) -> BoardProfile {
        BoardProfile(name: "\(name)-x\(factor)", description: "\(description), clock × \(factor)", board: board, processor: processor,
                     memory: memory, clockHz: clockHz * factor, cost: cost, activePowerWatts: activePowerWatts,
                     idlePowerWatts: idlePowerWatts, baud: baud)
    }

    /// The MLPerf Tiny reference board running TFLM reference kernels:
    /// NUCLEO-L4R5ZI, Cortex-M4F at 120 MHz. Calibration (Docs/emulator.md):
    /// the v0.5 reference latencies kws01 181.9 ms, vww01 600.6 ms,
    /// ic01 704.2 ms, ad01 10.05 ms; active power 40.5 mW is the reference
    /// energy divided by its latency (7374 µJ / 181.9 ms at 3.0 V, the same
    /// for all four); idle power is an assumption (STOP-less idle loop, ~1/4).
    public static let nucleoL4R5ZITFLM = BoardProfile(
        name: "nucleo-l4r5zi-tflm",
        description: "NUCLEO-L4R5ZI (Cortex-M4F, 120 MHz) running TFLM reference kernels",
        board: "NUCLEO-L4R5ZI", processor: "Cortex-M4F", memory: "2 MB flash, 640 KB SRAM",
        clockHz: 120e6,
        cost: CostModel(cyclesPerConvMAC: 6.2, cyclesPerDepthwiseMAC: 22, cyclesPerFullyConnectedMAC: 4.4,
                        cyclesPerElementwiseOutput: 40, cyclesPerOutputElement: 25, cyclesPerOperator: 2000),
        activePowerWatts: 0.0405, idlePowerWatts: 0.010, baud: 115_200)

    /// The same board running optimised int8 kernels (CMSIS-NN's SMLAD inner
    /// loops, as ST's X-CUBE-AI in the sww01 reference firmware): an
    /// uncalibrated estimate of about 1 cycle per convolution or
    /// fully-connected MAC and 2 per depthwise MAC, with the TFLM profile's
    /// per-element and per-operator overheads and power. No published
    /// measurement backs these factors; figures from it are estimates.
    public static let nucleoL4R5ZIOptimized = BoardProfile(
        name: "nucleo-l4r5zi-optimized",
        description: "NUCLEO-L4R5ZI (Cortex-M4F, 120 MHz) running optimised int8 kernels (uncalibrated estimate)",
        board: "NUCLEO-L4R5ZI", processor: "Cortex-M4F", memory: "2 MB flash, 640 KB SRAM",
        clockHz: 120e6,
        cost: CostModel(cyclesPerConvMAC: 1.0, cyclesPerDepthwiseMAC: 2.0, cyclesPerFullyConnectedMAC: 1.0,
                        cyclesPerElementwiseOutput: 40, cyclesPerOutputElement: 25, cyclesPerOperator: 2000),
        activePowerWatts: 0.0405, idlePowerWatts: 0.010, baud: 115_200)

    public static let all = [nucleoL4R5ZITFLM, nucleoL4R5ZIOptimized]

    public static func named(_ name: String) -> BoardProfile? { all.first { $0.name == name } }

    /// What an emulated DUT with this profile is, for the results: every
    /// field says it is emulated.
    public var deviceDescription: DeviceDescription {
        DeviceDescription(summary: "emulated (TinyRuntime + cost model of \(name))", timing: .costModel,
                          board: "emulated \(board) (TinyBench cost model; not a measurement)",
                          processor: "\(processor) (emulated)", clockHz: clockHz, memory: "\(memory) (emulated)",
                          framework: "TinyRuntime (TFLM reference arithmetic)")
    }

    /// Emulated microseconds for one inference of `model`.
    public func inferenceMicroseconds(_ model: Model) -> Double {
        cost.cycles(model) / clockHz * 1e6
    }

    /// Emulated microseconds of each operator of `model`, in execution order.
    public func layerMicroseconds(_ model: Model) -> [Double] {
        cost.layerCycles(model).map { $0 / clockHz * 1e6 }
    }
}

/// Cycles of one inference, from the model's statistics: a cost per MAC for
/// each kind of arithmetic operator, a cost per output element of every
/// operator (requantization, stores) and of elementwise operators, and a fixed
/// cost per operator (dispatch, setup).
public struct CostModel: Sendable, Equatable {
    public var cyclesPerConvMAC: Double
    public var cyclesPerDepthwiseMAC: Double
    public var cyclesPerFullyConnectedMAC: Double
    public var cyclesPerElementwiseOutput: Double
    public var cyclesPerOutputElement: Double
    public var cyclesPerOperator: Double
    /// sww01's streaming front end per 512-sample hop (pre-emphasis, window,
    /// 1024-point real FFT, 40 mel filters, log): an estimate for a CMSIS-DSP
    /// float32 implementation on a Cortex-M4F, not a calibrated figure.
    public var cyclesPerWakewordHop: Double = 65_000

    public func cycles(_ model: Model) -> Double {
        layerCycles(model).reduce(0, +)
    }

    /// Cycles of each operator, in execution order.
    public func layerCycles(_ model: Model) -> [Double] {
        let stats = ModelStatistics(model: model)
        return zip(model.main.operators, stats.operators).map { op, row in
            let outputs = Double(row.outputShapes.reduce(0) { $0 + $1.reduce(1, *) })
            let base = cyclesPerOperator + cyclesPerOutputElement * outputs
            switch op.code {
            case .conv2D: return base + cyclesPerConvMAC * Double(row.macs)
            case .depthwiseConv2D: return base + cyclesPerDepthwiseMAC * Double(row.macs)
            case .fullyConnected: return base + cyclesPerFullyConnectedMAC * Double(row.macs)
            case .add, .mul: return base + cyclesPerElementwiseOutput * outputs
            default: return base
            }
        }
    }
}

extension BoardProfile {
    /// The profile whose cost model timed a device (named in its summary), if its timing is a cost model.
    public static func modelling(_ device: DeviceDescription) -> BoardProfile? {
        guard device.timing == .costModel else { return nil }
        return all.first { device.summary.contains($0.name) }
    }
}

extension HTMLReport {
    /// The report of a session, with each layer's modelled time where an emulated board timed it.
    public static func withModelledLayers(_ folder: SessionFolder) -> HTMLReport {
        HTMLReport(folder: folder) { model, device in BoardProfile.modelling(device)?.layerMicroseconds(model) }
    }
}
