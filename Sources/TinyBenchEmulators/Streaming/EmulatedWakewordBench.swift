import Foundation
import TinyBench
import TinyRuntime

/// The sww01 bench, emulated: the reference streaming DUT
/// (``EmulatedWakewordDUT``) powered in an ``EnergyLab`` behind an emulated
/// enhanced interface board whose SD card is a folder, the board served on a
/// pseudo-terminal so the host takes the real serial path. Everything runs
/// on the lab's virtual timeline: a 20-minute stream plays in seconds.
public final class EmulatedWakewordBench: @unchecked Sendable {
    public let lab: EnergyLab
    public let dut: EmulatedWakewordDUT
    public let board: EmulatedInterfaceBoard
    private let server: PseudoTerminalServer

    /// The board's pseudo-terminal.
    public var interfacePath: String { server.path }

    public init(model: Model, sdCard: URL, profile: BoardProfile = .nucleoL4R5ZITFLM) throws {
        dut = try EmulatedWakewordDUT(model: model, profile: profile)
        lab = EnergyLab(dut: dut, profile: profile)
        board = EmulatedInterfaceBoard(lab: lab, kind: .enhanced, sdCard: sdCard)
        lab.setPower(true)
        server = try PseudoTerminalServer(device: board)
    }

    /// What the emulated devices are, for the results (every field says emulated).
    public var device: DeviceDescription {
        var d = dut.profile.deviceDescription
        d.summary = "emulated sww01 DUT (TinyRuntime + cost model of \(dut.profile.name)) behind an emulated enhanced interface board"
        return d
    }

    public func start() { server.start() }
    public func stop() { server.stop() }
}
