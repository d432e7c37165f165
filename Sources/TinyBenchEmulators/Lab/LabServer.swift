import Foundation
import TinyBench
import TinyRuntime

/// Hosts lab devices on pseudo-terminals, one thread each, so the host talks
/// to them through the real serial code path (`--interface`, `--monitor`).
public final class LabServer: @unchecked Sendable {
    /// Which emulated monitor powers the DUT.
    public enum Monitor: String, Sendable, CaseIterable {
        case lpm01a, ppk2
    }

    public let lab: EnergyLab
    public let interface: EmulatedInterfaceBoard
    public let monitor: any LabDevice
    public let monitorKind: Monitor
    public let interfaceTerminal: PseudoTerminal
    public let monitorTerminal: PseudoTerminal
    private let lock = NSLock()
    private var running = true
    private var threads = [Thread]()
    private let finished = DispatchSemaphore(value: 0)

    public var interfacePath: String { interfaceTerminal.path }
    public var monitorPath: String { monitorTerminal.path }

    /// A lab around `model`, with the given monitor and its faults (tests).
    public init(model: Model, benchmark: Benchmark, monitor: Monitor, profile: BoardProfile = .nucleoL4R5ZITFLM,
                board: InterfaceBoard.Kind = .enhanced, lpmFaults: EmulatedLPM01A.Faults = .init(),
                ppkFaults: EmulatedPPK2.Faults = .init()) throws {
        lab = try EnergyLab(model: model, benchmark: benchmark, profile: profile)
        interface = EmulatedInterfaceBoard(lab: lab, kind: board)
        monitorKind = monitor
        switch monitor {
        case .lpm01a: self.monitor = EmulatedLPM01A(lab: lab, faults: lpmFaults)
        case .ppk2: self.monitor = EmulatedPPK2(lab: lab, faults: ppkFaults)
        }
        interfaceTerminal = try PseudoTerminal()
        monitorTerminal = try PseudoTerminal()
    }

    /// Starts serving both devices in the background.
    public func start() {
        for index in 0..<2 {
            let thread = Thread { [self] in
                index == 0 ? serve(interface, interfaceTerminal.host) : serve(monitor, monitorTerminal.host)
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

    /// Stops the threads and waits for them.
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { for _ in threads { finished.wait() } }
    }
}
