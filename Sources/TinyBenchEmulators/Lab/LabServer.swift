import Foundation
import TinyBench
import TinyRuntime

/// Hosts lab devices on pseudo-terminals, one thread each, so the host talks
/// to them through the real serial code path (`--interface`, `--monitor`).
/// The JS220 is a USB device: it stays in process (``usbMonitor``).
public final class LabServer: @unchecked Sendable {
    public let lab: EnergyLab
    public let interface: EmulatedInterfaceBoard
    /// The serial monitor (LPM01A, PPK2); nil for the JS220.
    public let monitor: (any SerialDevice)?
    /// The JS220, reached in process through the USB seam.
    public let usbMonitor: EmulatedJS220?
    /// The monitor powering the DUT; nil for a bench without one (sww01's performance runs).
    public let monitorKind: MonitorKind?
    private let interfaceServer: PseudoTerminalServer
    private let monitorServer: PseudoTerminalServer?

    public var interfacePath: String { interfaceServer.path }
    /// The monitor's pseudo-terminal, or "in-process" for the JS220.
    public var monitorPath: String { monitorServer?.path ?? "in-process" }

    /// A lab around `model`, with the given monitor and its faults (tests).
    public convenience init(model: Model, benchmark: Benchmark, monitor: MonitorKind, profile: BoardProfile = .nucleoL4R5ZITFLM,
                            board: InterfaceBoard.Kind = .enhanced, lpmFaults: EmulatedLPM01A.Faults = .init(),
                            ppkFaults: EmulatedPPK2.Faults = .init(), jsFaults: EmulatedJS220.Faults = .init()) throws {
        let lab = try EnergyLab(model: model, benchmark: benchmark, profile: profile)
        try self.init(lab: lab, interface: EmulatedInterfaceBoard(lab: lab, kind: board), monitor: monitor,
                      lpmFaults: lpmFaults, ppkFaults: ppkFaults, jsFaults: jsFaults)
    }

    /// A lab around `lab` reached through `interface`, powered by `monitor` (nil: powered without one).
    public init(lab: EnergyLab, interface: EmulatedInterfaceBoard, monitor: MonitorKind?, lpmFaults: EmulatedLPM01A.Faults = .init(),
                ppkFaults: EmulatedPPK2.Faults = .init(), jsFaults: EmulatedJS220.Faults = .init()) throws {
        self.lab = lab
        self.interface = interface
        monitorKind = monitor
        switch monitor {
        case .lpm01a: self.monitor = EmulatedLPM01A(lab: lab, faults: lpmFaults)
        case .ppk2: self.monitor = EmulatedPPK2(lab: lab, faults: ppkFaults)
        case .js220, nil: self.monitor = nil
        }
        if monitor == nil { lab.setPower(true) }
        usbMonitor = monitor == .js220 ? EmulatedJS220(lab: lab, faults: jsFaults) : nil
        interfaceServer = try PseudoTerminalServer(device: interface)
        monitorServer = try self.monitor.map { try PseudoTerminalServer(device: $0) }
    }

    /// Starts serving the board and the serial monitor in the background.
    public func start() {
        interfaceServer.start()
        monitorServer?.start()
    }

    /// A driver for the lab's monitor: over its pseudo-terminal, or in process for the JS220.
    public func openMonitorDriver() throws -> any EnergyMonitor {
        if let usbMonitor { return try JS220(device: usbMonitor) }
        guard let monitorKind else { throw EnergyMonitorError.unexpected(monitor: "emulated lab", "this lab has no monitor") }
        return try MonitorSpec(kind: monitorKind, port: monitorPath).open()
    }

    /// Stops serving and waits for the servers' threads.
    public func stop() {
        interfaceServer.stop()
        monitorServer?.stop()
    }
}
