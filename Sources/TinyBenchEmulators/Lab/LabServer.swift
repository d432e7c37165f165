import Foundation
import TinyBench
import TinyRuntime

/// Hosts lab devices on pseudo-terminals, one thread each, so the host talks
/// to them through the real serial code path (`--interface`, `--monitor`).
/// The JS220 is a USB device: it stays in process (``usbMonitor``).
public final class LabServer: @unchecked Sendable {
    /// Which emulated monitor powers the DUT.
    public enum Monitor: String, Sendable, CaseIterable {
        case lpm01a, ppk2, js220
    }

    public let lab: EnergyLab
    public let interface: EmulatedInterfaceBoard
    /// The serial monitor (LPM01A, PPK2) and its pseudo-terminal; nil for the JS220.
    public let monitor: (any LabDevice)?
    public let monitorTerminal: PseudoTerminal?
    /// The JS220, reached in process through the USB seam.
    public let usbMonitor: EmulatedJS220?
    public let monitorKind: Monitor
    public let interfaceTerminal: PseudoTerminal
    private let lock = NSLock()
    private var running = true
    private var threads = [Thread]()
    private let finished = DispatchSemaphore(value: 0)

    public var interfacePath: String { interfaceTerminal.path }
    /// The monitor's pseudo-terminal, or "in-process" for the JS220.
    public var monitorPath: String { monitorTerminal?.path ?? "in-process" }

    /// A lab around `model`, with the given monitor and its faults (tests).
    public init(model: Model, benchmark: Benchmark, monitor: Monitor, profile: BoardProfile = .nucleoL4R5ZITFLM,
                board: InterfaceBoard.Kind = .enhanced, lpmFaults: EmulatedLPM01A.Faults = .init(),
                ppkFaults: EmulatedPPK2.Faults = .init(), jsFaults: EmulatedJS220.Faults = .init()) throws {
        lab = try EnergyLab(model: model, benchmark: benchmark, profile: profile)
        interface = EmulatedInterfaceBoard(lab: lab, kind: board)
        monitorKind = monitor
        switch monitor {
        case .lpm01a: self.monitor = EmulatedLPM01A(lab: lab, faults: lpmFaults)
        case .ppk2: self.monitor = EmulatedPPK2(lab: lab, faults: ppkFaults)
        case .js220: self.monitor = nil
        }
        usbMonitor = monitor == .js220 ? EmulatedJS220(lab: lab, faults: jsFaults) : nil
        interfaceTerminal = try PseudoTerminal()
        monitorTerminal = monitor == .js220 ? nil : try PseudoTerminal()
    }

    /// Starts serving both devices in the background.
    public func start() {
        for index in 0..<(monitor == nil ? 1 : 2) {
            let thread = Thread { [self] in
                index == 0 ? serve(interface, interfaceTerminal.host) : serve(monitor!, monitorTerminal!.host)
            }
            thread.stackSize = 1 << 22
            threads.append(thread)
            thread.start()
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func serve(_ device: any LabDevice, _ host: FileDescriptorTransport) {
        defer { finished.signal() }
        while isRunning {
            // A client that closed its side shows as an error: wait for the next one.
            let bytes = (try? host.read(timeout: .milliseconds(5))) ?? []
            var out = bytes.isEmpty ? [] : device.receive(bytes)
            out += device.poll()
            if !out.isEmpty { try? host.write(out) }
        }
    }

    /// A driver for the lab's monitor: over its pseudo-terminal, or in process for the JS220.
    public func openMonitorDriver() throws -> any EnergyMonitor {
        if let usbMonitor { return try JS220(device: usbMonitor) }
        return try EnergyBench.openMonitor(EnergyBench.MonitorKind(rawValue: monitorKind.rawValue)!, port: monitorPath)
    }

    /// Stops the threads and waits for them.
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { for _ in threads { finished.wait() } }
    }
}
