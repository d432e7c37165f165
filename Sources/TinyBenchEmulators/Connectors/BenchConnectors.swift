import Foundation
import TinyBench

extension BenchDescription {
    /// The connectors of the bench: one per DUT, or the energy bench.
    public func connectors() throws -> [any DUTConnector] {
        guard let board = BoardProfile.named(profile) else {
            throw BenchError.conflicting("unknown profile '\(profile)': \(BoardProfile.all.map(\.name).joined(separator: ", "))")
        }
        if let energy {
            if energy.emulatedLab {
                return [EmulatedLabConnector(profile: board, model: emulatedModel, monitor: energy.monitor)]
            }
            guard let interface = energy.interface else { throw BenchError.energyNeedsBench }
            return [EnergyBenchConnector(interface: interface, interfaceBaud: energy.interfaceBaud, monitor: energy.monitor,
                                         model: boardModel)]
        }
        return duts.map { dut -> any DUTConnector in
            switch dut {
            case let .port(path, baud): SerialConnector(port: path, baud: baud, model: boardModel)
            case .qemu(let firmware): QEMUConnector(firmware: firmware, model: boardModel)
            case .emulated(let pty):
                EmulatedConnector(profile: board, model: emulatedModel, hosting: pty ? .pseudoTerminal : .inProcess,
                                  accuracyShards: accuracyJobs ?? ProcessInfo.processInfo.activeProcessorCount)
            }
        }
    }
}

extension RunRequest {
    /// The run of this request into `output`, on the request's bench.
    public func suite(output: URL) throws -> SuiteRun {
        try SuiteRun(request: self, output: output, connectors: bench.connectors())
    }
}
