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

/// Serves an emulated DUT on a new pseudo-terminal, so clients use the real
/// serial code path (`tinybench --port <path>`). Runs until ``stop()``.
public final class PseudoTerminalServer: @unchecked Sendable {
    public let terminal: PseudoTerminal
    private let dut: EmulatedDUT
    private let lock = NSLock()
    private var running = true
    private var thread: Thread?

    public var path: String { terminal.path }

    public init(dut: EmulatedDUT) throws {
        self.dut = dut
        terminal = try PseudoTerminal()
    }

    /// Prints the boot banner and starts answering on a background thread.
    public func start() {
        try? terminal.host.write(dut.boot())
        let thread = Thread { [self] in serve() }
        thread.stackSize = 1 << 22
        self.thread = thread
        thread.start()
    }

    /// Serves in the calling thread until ``stop()``.
    public func serve() {
        while isRunning {
            guard let bytes = try? terminal.host.read(timeout: .milliseconds(100)) else {
                // The client closed its side: keep waiting for the next one.
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            if !bytes.isEmpty {
                let reply = dut.receive(bytes)
                if !reply.isEmpty { try? terminal.host.write(reply) }
            }
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    public func stop() {
        lock.lock()
        running = false
        lock.unlock()
    }
}
