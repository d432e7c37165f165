import Foundation
import TinyBench

/// An emulated DUT behind the ``Transport`` protocol, in the same process:
/// what the host writes is processed at once and the DUT's output waits to be read.
public final class EmulatedTransport: Transport {
    public let dut: EmulatedDUT
    public var endpoint: String { "emulated \(dut.benchmark.id) (\(dut.profile.name))" }
    private var pending: [UInt8]
    private var closed = false

    /// The DUT's boot banner is the first thing a reader sees.
    public init(dut: EmulatedDUT) {
        self.dut = dut
        pending = dut.boot()
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        guard !closed else { throw .closed(endpoint) }
        pending += dut.receive(bytes)
    }

    public func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        guard !closed else { throw .closed(endpoint) }
        if pending.isEmpty {
            // Nothing can arrive before the next write; wait a little rather than spin.
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            Thread.sleep(forTimeInterval: min(max(seconds, 0), 0.01))
            return []
        }
        defer { pending.removeAll() }
        return pending
    }

    public func close() { closed = true }
}

/// A device behind a serial line: bytes from the host in, its answer out,
/// and output of its own accord (a monitor's stream).
public protocol SerialDevice: AnyObject {
    func receive(_ bytes: [UInt8]) -> [UInt8]
    /// What the device sends without being asked, up to now.
    func poll() -> [UInt8]
}

/// Serves a device (the emulated DUT, a lab instrument) on a new
/// pseudo-terminal, so clients use the real serial code path
/// (`tinybench --port <path>`). Runs until ``stop()``.
public final class PseudoTerminalServer: @unchecked Sendable {
    public let terminal: PseudoTerminal
    private let device: any SerialDevice
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    public var path: String { terminal.path }

    public init(device: any SerialDevice) throws {
        self.device = device
        terminal = try PseudoTerminal()
    }

    /// Serves on a background thread.
    public func start() {
        started = true
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Serves in the calling thread until ``stop()``.
    public func serve() {
        while isRunning {
            // A client that closed its side shows as an error: wait for the next one.
            let bytes = (try? terminal.host.read(timeout: .milliseconds(5))) ?? []
            var out = bytes.isEmpty ? [] : device.receive(bytes)
            out += device.poll()
            if !out.isEmpty { try? terminal.host.write(out) }
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Stops serving; waits for the background thread when there is one.
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning && started { finished.wait() }
    }
}
