import Foundation
import TinyBench
import TinyRuntime

/// The sww01 bench, emulated: the reference streaming DUT
/// (``EmulatedWakewordDUT``) in an ``EnergyLab`` behind an emulated enhanced
/// interface board whose SD card is a folder, optionally powered by an
/// emulated monitor, the board (and a serial monitor) served on
/// pseudo-terminals so the host takes the real serial path. Everything runs
/// on the lab's virtual timeline: a 20-minute stream plays in seconds.
public final class EmulatedWakewordBench: @unchecked Sendable {
    public let server: LabServer
    public let dut: EmulatedWakewordDUT

    public var lab: EnergyLab { server.lab }
    public var board: EmulatedInterfaceBoard { server.interface }
    /// The board's pseudo-terminal.
    public var interfacePath: String { server.interfacePath }

    /// Without `monitor` the DUT is powered from the start; with one, the monitor powers it.
    public init(model: Model, sdCard: URL, profile: BoardProfile = .nucleoL4R5ZIOptimized, monitor: MonitorKind? = nil) throws {
        dut = try EmulatedWakewordDUT(model: model, profile: profile)
        let lab = EnergyLab(dut: dut, profile: profile)
        server = try LabServer(lab: lab, interface: EmulatedInterfaceBoard(lab: lab, kind: .enhanced, sdCard: sdCard), monitor: monitor)
    }

    /// What the emulated devices are, for the results (every field says emulated).
    public var device: DeviceDescription {
        var d = dut.device
        d.summary += " behind an emulated enhanced interface board"
        return d
    }

    public func start() { server.start() }
    public func stop() { server.stop() }
}
