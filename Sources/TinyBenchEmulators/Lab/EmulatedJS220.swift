import Foundation
import TinyBench

/// The emulated Joulescope JS220, in process behind the ``USBBulkDevice``
/// seam (a real USB fake would need dummy_hcd or USB/IP): the control
/// requests, the port-0 CONNECT answer, ping/pong, `s/i/range/mode` switching
/// the lab's DUT, the current/voltage/GPI 0 streams (float32 at 1 MHz, 1 bit
/// at 2 MHz, 120 samples per frame) from the DUT's activity at a 3.3 V
/// supply, and a TIMESYNC request every second of stream time, whose answers
/// it counts.
public final class EmulatedJS220: USBBulkDevice, @unchecked Sendable {
    public struct Faults: Sendable {
        /// Every n-th current frame is lost (0: none).
        public var dropEveryNthCurrentFrame = 0
        public init() {}
    }

    public let endpoint = "emulated JS220"
    public let lab: EnergyLab
    public var faults: Faults
    public static let supplyVolts = 3.3
    static let samplesPerFrame = 120
    /// Seconds between looks at a caught-up stream (lab time follows the wall clock meanwhile).
    static let streamInterval = 0.002
    public private(set) var timesyncReplies = 0

    /// Also wakes a waiting ``bulkRead(endpoint:length:timeout:)`` when a host request changed something.
    private let lock = NSCondition()
    private var queue = [[UInt8]]()
    private var frameID: UInt16 = 0
    private var enabled = Set<String>()
    private var streamStart = 0.0          // lab µs of sample 0
    private var nextSample = 0             // next 1 MHz sample to send
    private var pendingBlock = [[UInt8]]()
    private var frames = 0
    private var noise = LabNoise(seed: 3)
    private var closed = false

    public init(lab: EnergyLab, faults: Faults = Faults()) {
        self.lab = lab
        self.faults = faults
    }

    public func controlIn(request: UInt8, value: UInt16, length: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        try locked { () throws(TransportError) -> [UInt8] in
            guard !closed else { throw .closed(endpoint) }
            switch JS220Protocol.ControlRequest(rawValue: request) {
            case .connect:
                let versions: [UInt32] = [1 << 24, 1, 1 << 24 | 3 << 16 | 2, 1 << 24, 1 << 24 | 3 << 16]
                queue.append(frame(port: 0, [JS220Protocol.Port0Op.connect.rawValue, 0, 0, 0] + versions.flatMap(JS220Protocol.le32)))
            case .disconnect:
                queue.removeAll()
                enabled.removeAll()
            case nil: return [1]
            }
            return [0]
        }
    }

    public func bulkWrite(endpoint: UInt8, _ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        try locked { () throws(TransportError) in
            guard !closed else { throw .closed(self.endpoint) }
            guard let f = JS220Protocol.Frame(bytes) else { throw .io("emulated JS220: malformed frame") }
            if f.port == 0, f.payload.first == JS220Protocol.Port0Op.timesync.rawValue {
                timesyncReplies += 1
                return
            }
            guard f.port == 1, let p = JS220Protocol.Publish(payload: f.payload) else { return }
            switch p.topic {
            case "c/!ping": queue.append(frame(port: 1, JS220Protocol.Publish(topic: "c/!pong", type: p.type, value: p.value).payload))
            case "s/i/range/mode": lab.setPower(p.stringValue != "off")
            case "s/i/ctrl", "s/v/ctrl", "s/gpi/0/ctrl":
                if p.u32Value == 1 {
                    if enabled.isEmpty {
                        streamStart = lab.now
                        nextSample = 0
                        lab.idle()
                    }
                    enabled.insert(p.topic)
                } else {
                    enabled.remove(p.topic)
                    // A stopped stream sends nothing more.
                    if enabled.isEmpty { pendingBlock.removeAll() }
                }
            default: break
            }
        }
    }

    /// Waits up to `timeout` for a frame, like a USB transfer: without
    /// streams only a request from the host brings one, so the wait blocks
    /// until then; a stream has its next block once lab time has moved on,
    /// so a caught-up stream is looked at again every ``streamInterval``.
    public func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date(timeIntervalSinceNow: max(Double(seconds) + Double(attoseconds) * 1e-18, 0))
        lock.lock()
        defer { lock.unlock() }
        while true {
            guard !closed else { throw .closed(self.endpoint) }
            if queue.isEmpty && pendingBlock.isEmpty { generateBlock() }
            if !queue.isEmpty { return queue.removeFirst() }
            if !pendingBlock.isEmpty { return pendingBlock.removeFirst() }
            let now = Date()
            guard now < deadline else { return [] }
            _ = lock.wait(until: enabled.count == 3 ? min(deadline, now + Self.streamInterval) : deadline)
        }
    }

    public func close() { locked { closed = true } }

    /// The next 120 samples of every enabled stream, when the lab has reached them.
    private func generateBlock() {
        guard enabled.count == 3 else { return }
        lab.idle()
        let n = Self.samplesPerFrame
        guard streamStart + Double(nextSample + n) <= lab.now else { return }
        let t0 = streamStart + Double(nextSample)
        let sampleID = UInt32(truncatingIfNeeded: nextSample * 2)
        // Constant power over the block (the usual case) needs one lab query.
        let block = lab.energy(from: t0, to: t0 + Double(n)) / (Double(n) * 1e-6)
        let constant = abs(block - lab.profile.activePowerWatts) < 1e-12 || abs(block - lab.profile.idlePowerWatts) < 1e-12
        // One look at the timestamp line per block: most blocks hold no pulse.
        let pulses = !lab.edges(from: t0 - EnergyLab.pulseMicroseconds, to: t0 + Double(n)).isEmpty
        var current = [UInt8](), voltage = [UInt8](), gpi = [UInt8](repeating: pulses ? 0 : 0xFF, count: n * 2 / 8)
        current.reserveCapacity(4 * n)
        voltage.reserveCapacity(4 * n)
        let volts = JS220Protocol.le32(Float(Self.supplyVolts).bitPattern)
        for k in 0..<n {
            let t = t0 + Double(k)
            let watts = constant ? block : lab.energy(from: t, to: t + 1) / 1e-6
            let amps = watts / Self.supplyVolts * (1 + 0.002 * noise.normal())
            current += JS220Protocol.le32(Float(amps).bitPattern)
            voltage += volts
            // GPI 0 follows the timestamp line at 2 MHz; with the rising edge
            // configured, the end of each low pulse marks the timestamp.
            if pulses {
                for half in 0..<2 where lab.timestampLineHigh(at: t + 0.5 * Double(half)) {
                    gpi[(2 * k + half) / 8] |= 1 << ((2 * k + half) % 8)
                }
            }
        }
        frames += 1
        if !(faults.dropEveryNthCurrentFrame > 0 && frames % faults.dropEveryNthCurrentFrame == 0) {
            pendingBlock.append(frame(port: JS220Protocol.currentPort, JS220Protocol.le32(sampleID) + current))
        }
        pendingBlock.append(frame(port: JS220Protocol.voltagePort, JS220Protocol.le32(sampleID) + voltage))
        pendingBlock.append(frame(port: JS220Protocol.gpi0Port, JS220Protocol.le32(sampleID) + gpi))
        nextSample += n
        if nextSample % 1_000_000 < n {
            queue.append(frame(port: 0, [JS220Protocol.Port0Op.timesync.rawValue, 0, 0, 0] + JS220Protocol.le64(0) + JS220Protocol.le64(UInt64(nextSample * 2)) + [UInt8](repeating: 0, count: 24)))
        }
    }

    private func frame(port: UInt8, _ payload: [UInt8]) -> [UInt8] {
        defer { frameID &+= 1 }
        return JS220Protocol.Frame(id: frameID, port: port, payload: payload).bytes
    }

    private func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer {
            lock.broadcast()
            lock.unlock()
        }
        return try body()
    }
}
