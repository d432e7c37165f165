import Foundation
import TinyBench

/// An emulated DUT behind the ``Transport`` protocol, in the same process:
/// what the host writes is processed at once and the DUT's output waits to be
/// read. As an ``InProcessExchange`` it also takes commands and binary blocks
/// as values, which ``DUTClient`` prefers (no bytes, no CRC, no line splitting).
public final class EmulatedTransport: InProcessExchange {
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

    public var hasUnreadOutput: Bool { !pending.isEmpty }

    public func command(_ text: String) throws(TransportError) -> [String] {
        guard !closed else { throw .closed(endpoint) }
        return dut.command(text)
    }

    public func block(_ block: BinaryBlock) throws(TransportError) -> [String] {
        guard !closed else { throw .closed(endpoint) }
        return dut.block(block)
    }

    public var isLossless: Bool { true }
}

/// A device behind a serial line: bytes from the host in, its answer out,
/// and output of its own accord (a monitor's stream).
public protocol SerialDevice: AnyObject {
    func receive(_ bytes: [UInt8]) -> [UInt8]
    /// Feeds bytes from the host and hands the answer to `send`, in pieces
    /// and when each is due if the device keeps to the wall clock (the
    /// emulated DUT with `realTime`); by default all of it at once.
    func receive(_ bytes: [UInt8], sending send: ([UInt8]) throws(TransportError) -> Void) throws(TransportError)
    /// What the device sends without being asked, up to now.
    func poll() -> [UInt8]
    /// Whether ``poll()`` may have something to send (a monitor acquiring):
    /// only then does a server wake up without a byte from the host.
    var isStreaming: Bool { get }
}

extension SerialDevice {
    /// Most devices only answer.
    public var isStreaming: Bool { false }

    /// Most devices answer at once.
    public func receive(_ bytes: [UInt8], sending send: ([UInt8]) throws(TransportError) -> Void) throws(TransportError) {
        let out = receive(bytes)
        if !out.isEmpty { try send(out) }
    }
}

/// Serves a device (the emulated DUT, a lab instrument) on a new
/// pseudo-terminal, so clients use the real serial code path
/// (`tinybench --port <path>`). Runs until ``stop()``.
///
/// Waiting costs nothing: the server keeps a descriptor of its own on the
/// terminal's device side, so the controlling side never sees a hang-up
/// between clients (which would make every wait return at once) and a wait
/// blocks until a client writes. Only while the device streams does the
/// server wake up on its own, every ``streamInterval``.
public final class PseudoTerminalServer: @unchecked Sendable {
    public let terminal: PseudoTerminal
    /// How often a streaming device is asked for what it has to send.
    static let streamInterval = Duration.milliseconds(5)
    /// The longest wait for a client while the device has nothing to stream;
    /// a stop wakes the wait at once.
    static let idleWait = Duration.seconds(1)
    /// How long ``stop()`` waits for the server's thread (a device busy in an answer).
    static let stopWait = Duration.seconds(5)
    private let device: any SerialDevice
    private let deviceSide: Int32
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    public var path: String { terminal.path }

    public init(device: any SerialDevice) throws {
        self.device = device
        terminal = try PseudoTerminal()
        // Non-blocking: stop() writes its wake-up byte here and must never wait.
        // Close-on-exec: a program this process starts must not keep the terminal alive.
        deviceSide = open(terminal.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard deviceSide >= 0 else {
            throw TransportError.io("cannot hold \(terminal.path) open: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(deviceSide) }

    /// Serves on a background thread.
    public func start() {
        started = true
        let thread = Thread { [self] in
            // An error on the terminal itself ends the service (clients then time out).
            try? serve()
            finished.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Serves in the calling thread until ``stop()``; throws when the
    /// terminal itself fails.
    public func serve() throws(TransportError) {
        while isRunning {
            let bytes = try terminal.host.read(timeout: device.isStreaming ? Self.streamInterval : Self.idleWait)
            // The byte stop() writes to wake the wait is not the client's.
            guard isRunning else { break }
            if !bytes.isEmpty {
                try device.receive(bytes) { (out: [UInt8]) throws(TransportError) in try terminal.host.write(out) }
            }
            let streamed = device.poll()
            if !streamed.isEmpty { try terminal.host.write(streamed) }
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    /// Stops serving; waits (at most ``stopWait``) for the background thread when there is one.
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        guard wasRunning && started else { return }
        let deadline = ContinuousClock.now + Self.stopWait
        repeat {
            // A stream no client reads may have filled the terminal and hold
            // the server in a write (of more than the terminal holds): what
            // nobody read is dropped until the server is out of it.
            tcflush(deviceSide, TCIFLUSH)
            // Written on the device side, the byte arrives where the server waits.
            var wake: UInt8 = 0
            _ = write(deviceSide, &wake, 1)
        } while finished.wait(timeout: .now() + .milliseconds(50)) == .timedOut && ContinuousClock.now < deadline
    }
}
