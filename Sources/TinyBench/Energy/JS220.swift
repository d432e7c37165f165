import Foundation

/// Driver for the Joulescope JS220 over libusb — **experimental: not yet
/// verified on hardware**, tested against the emulated device behind the
/// same ``USBBulkDevice`` seam. The subset the MLPerf Tiny runner needs:
/// connect (control requests, the port-0 CONNECT answer with protocol
/// version 1), ping/pong, current range auto (the DUT powered) or off, the
/// current, voltage and GPI 0 streams, and answers to the instrument's
/// TIMESYNC requests. Samples at 1 MHz are summed into energy bins of 10 µs
/// (i·v·1 µs each); a GPI 0 edge (rising in the MLPerf wiring) is a
/// timestamp; a jump in a stream's sample id is a gap.
public final class JS220: EnergyMonitor, @unchecked Sendable {
    public static let vendorID: UInt16 = 0x16D0, productID: UInt16 = 0x10BA
    /// Energy bins per second (10 samples of 1 µs each).
    public static let sampleRate = 100_000.0
    static let ticksPerBin: UInt64 = 20                 // sample ids count at 2 MHz

    /// Said in every result the driver takes part in.
    public static let model = "JS220 (experimental driver: not yet verified on hardware)"
    public private(set) var identity = MonitorIdentity(model: JS220.model, firmware: "unknown")
    public private(set) var settings = MonitorSettings(voltage: 3.3, sampleRateHz: JS220.sampleRate, edge: .rising)
    public var replyTimeout = 3.0
    /// TIMESYNC requests answered so far.
    public private(set) var timesyncAnswers = 0

    private let device: any USBBulkDevice
    private let lock = NSLock()
    private var frameID: UInt16 = 0
    private var connectReply: [UInt8]?
    private var publishes = [JS220Protocol.Publish]()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    private var acquiring = false
    private var trace = EnergyTrace(samplePeriod: 1 / JS220.sampleRate)
    private var stream = StreamState()
    /// Signalled after each frame has been handled: the waits block on it.
    private let arrivals = ArrivalSignal()

    /// Pairs current and voltage samples by sample id into energy bins.
    struct StreamState {
        var base: UInt64?
        var current = [Float](), voltage = [Float]()
        var currentStart: UInt64 = 0, voltageStart: UInt64 = 0     // sample index of the arrays' first element
        var nextCurrent: UInt64?, nextVoltage: UInt64?
        var paired: UInt64 = 0                                      // samples folded into bins
        var binEnergy = 0.0
        var lastLevel: Bool?
    }

    public init(device: any USBBulkDevice) throws {
        self.device = device
        do {
            _ = try device.controlIn(request: JS220Protocol.ControlRequest.disconnect.rawValue, value: 0, length: 1, timeout: .seconds(1))
            let thread = Thread { [self] in readLoop() }
            thread.name = "JS220 reader"
            thread.start()
            let status = try device.controlIn(request: JS220Protocol.ControlRequest.connect.rawValue, value: 0, length: 1, timeout: .seconds(1))
            guard status.first == 0 else { throw EnergyMonitorError.unexpected(monitor: "JS220", "CONNECT returned status \(status.first.map(String.init) ?? "nothing")") }
            var reply: [UInt8]?
            guard arrivals.wait(seconds: replyTimeout, until: { reply = self.locked { self.connectReply }; return reply != nil }), let reply, reply.count >= 24 else {
                throw EnergyMonitorError.timeout(monitor: "JS220", waitingFor: "the CONNECT answer on port 0", seconds: replyTimeout)
            }
            let versions = (0..<5).map { JS220Protocol.u32(reply, 4 + 4 * $0) }
            guard versions[0] >> 24 == 1 else {
                throw EnergyMonitorError.unexpected(monitor: "JS220", "protocol version \(JS220Protocol.version(versions[0])); this driver speaks 1.x")
            }
            identity = MonitorIdentity(model: Self.model, firmware: "fw \(JS220Protocol.version(versions[2])), hw \(JS220Protocol.version(versions[3])), fpga \(JS220Protocol.version(versions[4]))")
            try publish(.u32("c/!ping", 1))
            guard arrivals.wait(seconds: replyTimeout, until: { self.takePublish { $0.topic == "c/!pong" && $0.u32Value == 1 } != nil }) else {
                throw EnergyMonitorError.timeout(monitor: "JS220", waitingFor: "c/!pong", seconds: replyTimeout)
            }
        } catch {
            stop()
            throw error
        }
    }

    public func configure(_ settings: MonitorSettings) throws {
        guard settings.sampleRateHz == Self.sampleRate else {
            throw EnergyMonitorError.unexpected(monitor: "JS220", "this driver bins the 1 MHz streams at 100 kHz only")
        }
        try publish(.string("s/i/range/mode", "off"))
        try publish(.string("s/v/range/select", "15 V"))
        self.settings = settings
    }

    /// The JS220 sits in the supply line: range `auto` closes it, `off` opens it.
    public func powerOn() throws { try publish(.string("s/i/range/mode", "auto")) }
    public func powerOff() throws { try publish(.string("s/i/range/mode", "off")) }

    public func startAcquisition() throws {
        locked {
            trace = EnergyTrace(samplePeriod: 1 / Self.sampleRate)
            stream = StreamState()
            acquiring = true
        }
        for topic in ["s/i/ctrl", "s/v/ctrl", "s/gpi/0/ctrl"] { try publish(.u32(topic, 1)) }
        guard arrivals.wait(seconds: replyTimeout, until: { self.progress().samples > 0 }) else {
            throw EnergyMonitorError.timeout(monitor: "JS220", waitingFor: "stream data after enabling current, voltage and GPI 0", seconds: replyTimeout)
        }
    }

    public func progress() -> AcquisitionProgress { locked { trace.progress } }

    public func progress(beyond samples: Int, timeout: Duration) -> AcquisitionProgress {
        _ = arrivals.wait(seconds: timeout.inSeconds) { progress().samples > samples }
        return progress()
    }

    /// Disables the streams and waits until frames stop arriving (50 ms of
    /// quiet, at most 2 s), so none of this acquisition's frames can start
    /// the next one's timeline.
    public func stopAcquisition() throws -> EnergyTrace {
        let result = locked {
            acquiring = false
            return trace
        }
        for topic in ["s/i/ctrl", "s/v/ctrl", "s/gpi/0/ctrl"] { try publish(.u32(topic, 0)) }
        _ = arrivals.waitForQuiet(.milliseconds(50), seconds: 2)
        return result
    }

    public func close() {
        try? powerOff()
        _ = try? device.controlIn(request: JS220Protocol.ControlRequest.disconnect.rawValue, value: 0, length: 1, timeout: .seconds(1))
        stop()
    }

    private func stop() {
        let wasRunning = locked {
            defer { running = false }
            return running
        }
        if wasRunning { finished.wait() }
        device.close()
    }

    // MARK: - Frames

    private func publish(_ p: JS220Protocol.Publish) throws {
        let frame = locked {
            defer { frameID &+= 1 }
            return JS220Protocol.Frame(id: frameID, port: 1, payload: p.payload)
        }
        do {
            try device.bulkWrite(endpoint: JS220Protocol.bulkOut, frame.bytes, timeout: .seconds(1))
        } catch {
            throw EnergyMonitorError.transport(error)
        }
    }

    private func readLoop() {
        defer { finished.signal() }
        while locked({ running }) {
            guard let bytes = try? device.bulkRead(endpoint: JS220Protocol.bulkIn, length: JS220Protocol.frameLength, timeout: .milliseconds(20)) else {
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            guard let frame = JS220Protocol.Frame(bytes) else { continue }
            handle(frame)
            arrivals.signal()
        }
    }

    private func handle(_ frame: JS220Protocol.Frame) {
        switch frame.port {
        case 0:
            guard frame.payload.count >= 4, let op = JS220Protocol.Port0Op(rawValue: frame.payload[0]) else { return }
            switch op {
            case .connect: locked { connectReply = frame.payload }
            case .timesync where frame.payload.count >= 44:
                // Copy the instrument's count, fill in the host's UTC receive and send times (34Q30 since 2018).
                let now = UInt64(max(Date().timeIntervalSince(Self.epoch), 0) * 1_073_741_824)
                var reply = Array(frame.payload[0..<20])
                reply += JS220Protocol.le64(now) + JS220Protocol.le64(now) + [UInt8](repeating: 0, count: 8)
                let out = locked {
                    defer { frameID &+= 1 }
                    timesyncAnswers += 1
                    return JS220Protocol.Frame(id: frameID, port: 0, payload: reply)
                }
                try? device.bulkWrite(endpoint: JS220Protocol.bulkOut, out.bytes, timeout: .seconds(1))
            default: break
            }
        case 1:
            if let p = JS220Protocol.Publish(payload: frame.payload) {
                locked {
                    publishes.append(p)
                    if publishes.count > 256 { publishes.removeFirst(publishes.count - 256) }
                }
            }
        case JS220Protocol.currentPort, JS220Protocol.voltagePort, JS220Protocol.gpi0Port:
            guard frame.payload.count >= 4 else { return }
            locked {
                guard acquiring else { return }
                streamData(port: frame.port, sampleID: UInt64(JS220Protocol.u32(frame.payload, 0)), data: Array(frame.payload[4...]))
            }
        default: break
        }
    }

    /// Folds one stream frame in (called with the lock held).
    private func streamData(port: UInt8, sampleID: UInt64, data: [UInt8]) {
        if stream.base == nil {
            // The first frame of any stream sets bin 0 (on a bin boundary).
            stream.base = sampleID - sampleID % Self.ticksPerBin
        }
        guard let base = stream.base, sampleID >= base else { return }
        let index = (sampleID - base) / 2
        if port == JS220Protocol.gpi0Port {
            let rising = settings.edge == .rising
            for (k, byte) in data.enumerated() {
                for bit in 0..<8 {
                    let high = byte >> bit & 1 == 1
                    if let last = stream.lastLevel, last != high, high == rising {
                        let tick = sampleID - base + UInt64(k * 8 + bit)
                        trace.events.append(TimestampEvent(sampleIndex: Int(tick / Self.ticksPerBin)))
                    }
                    stream.lastLevel = high
                }
            }
            return
        }
        let values = stride(from: 0, to: data.count - 3, by: 4).map { Float(bitPattern: JS220Protocol.u32(data, $0)) }
        let isCurrent = port == JS220Protocol.currentPort
        let expected = isCurrent ? stream.nextCurrent : stream.nextVoltage
        if let expected, index > expected {
            // Samples lost on the way: zeros keep the timeline, the gap makes the window invalid.
            trace.gaps.append(SampleGap(sampleIndex: Int(expected / 10), missing: Int((index - expected + 9) / 10)))
            let filler = [Float](repeating: 0, count: Int(index - expected))
            if isCurrent { stream.current += filler } else { stream.voltage += filler }
        } else if let expected, index < expected {
            return                                                  // a duplicate
        }
        if isCurrent {
            if stream.nextCurrent == nil { stream.currentStart = index }
            stream.current += values
            stream.nextCurrent = index + UInt64(values.count)
        } else {
            if stream.nextVoltage == nil { stream.voltageStart = index }
            stream.voltage += values
            stream.nextVoltage = index + UInt64(values.count)
        }
        pairSamples()
    }

    /// Multiplies current and voltage where both are known and fills energy bins.
    private func pairSamples() {
        guard stream.nextCurrent != nil, stream.nextVoltage != nil else { return }
        let start = max(stream.currentStart, stream.voltageStart, stream.paired)
        let end = min(stream.currentStart + UInt64(stream.current.count), stream.voltageStart + UInt64(stream.voltage.count))
        if start < end {
            if stream.paired < start {
                // Bins before both streams began hold no energy; keep the timeline.
                while UInt64(trace.energies.count) * 10 + 10 <= start { trace.energies.append(0) }
                stream.paired = start
            }
            for k in start..<end {
                stream.binEnergy += Double(stream.current[Int(k - stream.currentStart)]) * Double(stream.voltage[Int(k - stream.voltageStart)]) * 1e-6
                if (k + 1) % 10 == 0 {
                    trace.energies.append(stream.binEnergy)
                    stream.binEnergy = 0
                }
            }
            stream.paired = end
        }
        // Drop what has been paired.
        func paired(_ start: UInt64, _ count: Int) -> Int { Int(min(stream.paired > start ? stream.paired - start : 0, UInt64(count))) }
        let c = paired(stream.currentStart, stream.current.count), v = paired(stream.voltageStart, stream.voltage.count)
        stream.current.removeFirst(c)
        stream.currentStart += UInt64(c)
        stream.voltage.removeFirst(v)
        stream.voltageStart += UInt64(v)
    }

    private func takePublish(_ match: (JS220Protocol.Publish) -> Bool) -> JS220Protocol.Publish? {
        locked {
            guard let i = publishes.firstIndex(where: match) else { return nil }
            return publishes.remove(at: i)
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The JS220's time epoch: 2018-01-01T00:00:00Z.
    static let epoch = Date(timeIntervalSince1970: 1_514_764_800)
}
