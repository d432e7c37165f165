import Foundation
import TinyBench
import TinyRuntime

/// The emulated DUT (TinyRuntime with a board profile's cost model) for the
/// benchmark it is connected for: in process, or served on a new
/// pseudo-terminal so the run takes the real serial code path.
public struct EmulatedConnector: DUTConnector {
    /// Where the emulated DUT runs.
    public enum Hosting: String, Sendable, CaseIterable {
        /// Behind an in-process transport: no serial line, nothing to verify.
        case inProcess = "in-process"
        /// On a pseudo-terminal served by this process, reached like a serial port.
        case pseudoTerminal = "pty"
    }

    public let profile: BoardProfile
    public let model: ModelSource
    public let hosting: Hosting
    /// In process: the interpreters an accuracy run's samples are shared
    /// across (each its own emulated DUT; results identical and in order).
    public let accuracyShards: Int

    public init(profile: BoardProfile = .nucleoL4R5ZITFLM, model: ModelSource, hosting: Hosting = .inProcess,
                accuracyShards: Int = 1) {
        self.profile = profile
        self.model = model
        self.hosting = hosting
        // A pseudo-terminal is one DUT, as a board is.
        self.accuracyShards = hosting == .inProcess ? max(1, accuracyShards) : 1
    }

    public var label: String { "emulated DUT (\(hosting.rawValue))" }

    public func firmwareBenchmark() throws -> Benchmark? { nil }

    public func connect(_ benchmark: Benchmark) throws -> DUTConnection {
        guard let modelFile = try model.file(for: benchmark) else { throw ConnectorError.noModel("the emulated DUT") }
        let dut = try EmulatedDUT(model: try modelFile.model(), benchmark: benchmark, profile: profile)
        switch hosting {
        case .inProcess:
            return DUTConnection.greet(EmulatedTransport(dut: dut), port: "in-process", baud: nil,
                                       device: profile.deviceDescription, model: modelFile)
        case .pseudoTerminal:
            let server = try PseudoTerminalServer(device: dut)
            try server.terminal.host.write(dut.boot())
            server.start()
            do {
                // Asked over the line (tb-device), as any DUT behind a port is.
                var connection = DUTConnection.greet(try openSerialPort(path: server.path, baud: dut.baud), port: server.path,
                                                     baud: dut.baud, device: nil, model: modelFile)
                connection.onClose = { server.stop() }
                return connection
            } catch {
                server.stop()
                throw error
            }
        }
    }
}

/// The emulated energy lab for the benchmark it is connected for: an
/// emulated DUT behind an emulated interface board, powered by an emulated
/// LPM01A or PPK2 on pseudo-terminals (or a JS220 in process behind the USB seam).
public struct EmulatedLabConnector: DUTConnector {
    public let profile: BoardProfile
    public let model: ModelSource
    public let monitor: MonitorSpec

    public init(profile: BoardProfile = .nucleoL4R5ZITFLM, model: ModelSource, monitor: MonitorSpec) {
        self.profile = profile
        self.model = model
        self.monitor = monitor
    }

    public var label: String { "emulated energy lab (\(monitor.kind.rawValue))" }

    public func firmwareBenchmark() throws -> Benchmark? { nil }

    public func connect(_ benchmark: Benchmark) throws -> DUTConnection {
        guard let modelFile = try model.file(for: benchmark) else { throw ConnectorError.noModel("the emulated lab") }
        let lab = try LabServer(model: try modelFile.model(), benchmark: benchmark, monitor: monitor.kind, profile: profile)
        lab.start()
        let where_ = monitor.kind.isUSB ? "in process behind the USB seam" : "on a pseudo-terminal"
        var device = profile.deviceDescription
        device.summary = "emulated energy lab (TinyRuntime + cost model of \(profile.name), emulated interface board on a pseudo-terminal, emulated \(monitor.kind.rawValue.uppercased()) \(where_))"
        do {
            var connection = try EnergyBenchConnector.connect(
                interface: try openSerialPort(path: lab.interfacePath, baud: 115_200), port: lab.interfacePath, baud: nil,
                monitor: try lab.openMonitorDriver(), settings: monitor.settings, bootSeconds: 0.05, device: device,
                model: modelFile)
            connection.onClose = { lab.stop() }
            return connection
        } catch {
            lab.stop()
            throw error
        }
    }
}
