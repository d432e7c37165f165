import Foundation

/// Which edge of the DUT's timestamp line marks a timestamp.
public enum TimestampEdge: String, Sendable, Codable, CaseIterable {
    case falling, rising
}

/// How a monitor is set up for a run.
public struct MonitorSettings: Sendable, Codable, Equatable {
    /// Supply voltage for the DUT, in volts.
    public var voltage: Double
    /// Samples per second the driver asks for.
    public var sampleRateHz: Double
    /// The edge of the timestamp input that counts as a timestamp.
    public var edge: TimestampEdge

    public init(voltage: Double, sampleRateHz: Double, edge: TimestampEdge) {
        self.voltage = voltage
        self.sampleRateHz = sampleRateHz
        self.edge = edge
    }
}

/// What a monitor says it is.
public struct MonitorIdentity: Sendable, Codable, Equatable {
    public var model: String
    public var firmware: String

    public init(model: String, firmware: String) {
        self.model = model
        self.firmware = firmware
    }
}

/// A timestamp edge on the monitor's timeline.
public struct TimestampEvent: Sendable, Codable, Equatable {
    /// Samples received before the edge was reported: the edge lies in
    /// sample `sampleIndex` (or at its start).
    public var sampleIndex: Int
    /// The monitor's own event number, when it numbers them (LPM01A).
    public var number: Int?

    public init(sampleIndex: Int, number: Int? = nil) {
        self.sampleIndex = sampleIndex
        self.number = number
    }
}

/// Samples the monitor lost: a counter jump, or fewer samples than its clock says.
public struct SampleGap: Sendable, Codable, Equatable {
    /// Samples received before the gap.
    public var sampleIndex: Int
    public var missing: Int

    public init(sampleIndex: Int, missing: Int) {
        self.sampleIndex = sampleIndex
        self.missing = missing
    }
}

/// One acquisition on the monitor's timeline: energy per sample at a fixed
/// period, the timestamp events, and what went missing.
public struct EnergyTrace: Sendable, Equatable {
    public var samplePeriod: Double
    /// Joules per sample period; NaN for a sample that arrived unreadable.
    public var energies: [Double] = []
    public var events: [TimestampEvent] = []
    public var gaps: [SampleGap] = []
    /// Problems the monitor reported during the acquisition (overcurrent, buffer overrun).
    public var warnings: [String] = []

    public init(samplePeriod: Double) {
        self.samplePeriod = samplePeriod
    }
}

/// Samples received and timestamp events seen so far in an acquisition.
public struct AcquisitionProgress: Sendable, Equatable {
    public var samples: Int
    public var events: [TimestampEvent]

    public init(samples: Int, events: [TimestampEvent]) {
        self.samples = samples
        self.events = events
    }
}

extension EnergyTrace {
    var progress: AcquisitionProgress { AcquisitionProgress(samples: energies.count, events: events) }
}

/// An energy monitor: powers the DUT, samples its energy, and sees the DUT's
/// timestamp line, all on one timeline. Drivers: ``LPM01A``, ``PPK2``, ``JS220``.
public protocol EnergyMonitor: AnyObject {
    /// Model and firmware version, read when the driver connected.
    var identity: MonitorIdentity { get }
    var settings: MonitorSettings { get }
    /// Sets voltage, sample rate and timestamp edge; the DUT stays unpowered.
    func configure(_ settings: MonitorSettings) throws
    func powerOn() throws
    func powerOff() throws
    /// Starts a new trace.
    func startAcquisition() throws
    /// How far the acquisition since ``startAcquisition()`` has come. Cheap:
    /// waits look at it as samples stream in (a copy of the trace would make
    /// the driver copy its whole sample array on the next append).
    func progress() -> AcquisitionProgress
    /// Waits until more than `samples` samples have arrived, at most
    /// `timeout`, and returns the progress then: a wait on the stream
    /// blocks on its data instead of polling ``progress()``.
    func progress(beyond samples: Int, timeout: Duration) -> AcquisitionProgress
    /// Stops, waits for the monitor to confirm, and returns the whole trace.
    func stopAcquisition() throws -> EnergyTrace
    func close()
}

extension EnergyMonitor {
    /// Waits while the monitor is still delivering after a measured stretch:
    /// until both timestamp edges and 50 ms of samples after the second are
    /// in (returns the progress then, `complete`), or nothing new arrives for
    /// `quiet`, or more than `limit` samples arrive without them (a lost
    /// edge). `check` runs on every turn (a stop request throws from it).
    public func awaitTimestampPair(quiet: Duration, limit: Int? = nil,
                                   check: () throws -> Void = {}) rethrows -> (progress: AcquisitionProgress, complete: Bool) {
        let trailing = Int(0.05 * settings.sampleRateHz)
        var seen = -1
        var lastProgress = ContinuousClock.now
        var t = progress()
        while true {
            try check()
            if t.events.count >= 2 && t.samples >= t.events[1].sampleIndex + trailing { return (t, true) }
            if let limit, t.samples > limit { return (t, false) }
            if t.samples != seen {
                seen = t.samples
                lastProgress = ContinuousClock.now
            } else if ContinuousClock.now - lastProgress > quiet {
                return (t, false)
            }
            // Blocks until more samples arrive; the timeout lets a stream that stopped be noticed.
            t = progress(beyond: seen, timeout: .milliseconds(100))
        }
    }
}

/// Monitor failures, phrased for the person at the bench.
public enum EnergyMonitorError: Error, Equatable, CustomStringConvertible {
    case noAcknowledgement(monitor: String, command: String, reply: String?)
    case rejected(monitor: String, command: String, detail: String)
    case timeout(monitor: String, waitingFor: String, seconds: Double)
    case unexpected(monitor: String, String)
    case transport(TransportError)

    public var description: String {
        switch self {
        case let .noAcknowledgement(m, c, r):
            "\(m) did not acknowledge '\(c)'" + (r.map { " (it said: \($0))" } ?? " (no answer)")
        case let .rejected(m, c, d): "\(m) rejected '\(c)': \(d)"
        case let .timeout(m, w, s): "\(m): no \(w) within \(s) s"
        case let .unexpected(m, s): "\(m): \(s)"
        case .transport(let e): e.description
        }
    }
}

/// Reads a monitor's transport on a background thread: a streaming monitor
/// must be drained while the host waits on the DUT, or the OS buffer overflows.
final class MonitorReader: @unchecked Sendable {
    private let transport: any Transport
    private let handle: @Sendable ([UInt8]) -> Void
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    /// The error that ended reading, if any.
    private(set) var failure: TransportError?
    /// Signalled after each arrival has been handled: the driver's waits block on it.
    let arrivals = ArrivalSignal()

    init(transport: any Transport, handle: @escaping @Sendable ([UInt8]) -> Void) {
        self.transport = transport
        self.handle = handle
        let thread = Thread { [self] in loop() }
        thread.name = "monitor reader"
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func loop() {
        defer { finished.signal() }
        while isRunning {
            do {
                // Blocks until bytes arrive; the timeout only bounds how late close() is noticed.
                let bytes = try transport.read(timeout: .milliseconds(20))
                if !bytes.isEmpty {
                    handle(bytes)
                    arrivals.signal()
                }
            } catch {
                lock.lock()
                failure = error
                lock.unlock()
                return
            }
        }
    }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        try transport.write(bytes)
    }

    /// Stops the thread (within one read timeout) and closes the transport.
    func close() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        if wasRunning { finished.wait() }
        transport.close()
    }
}

/// Wakes the threads that wait for a monitor's data: the reader thread
/// signals each arrival once it has been handled, and a wait checks its
/// condition then, instead of polling it.
final class ArrivalSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrivals = 0
    private var lastArrival = ContinuousClock.now

    func signal() {
        condition.lock()
        arrivals &+= 1
        lastArrival = ContinuousClock.now
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `satisfied` (a condition on the monitor's data) holds, at
    /// most `seconds`; it is checked at once and after every arrival.
    func wait(seconds: Double, until satisfied: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            // Counted before the check: an arrival during the check is not slept through.
            condition.lock()
            let seen = arrivals
            condition.unlock()
            if satisfied() { return true }
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            condition.lock()
            if arrivals == seen { _ = condition.wait(until: Self.date(deadline, now: now)) }
            condition.unlock()
        }
    }

    /// Waits until nothing has arrived for `quiet` since `start` (bytes still
    /// on the way after a stop command), at most `seconds`.
    func waitForQuiet(_ quiet: Duration, since start: ContinuousClock.Instant = .now, seconds: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        condition.lock()
        defer { condition.unlock() }
        while true {
            let quietAt = max(lastArrival, start) + quiet
            let now = ContinuousClock.now
            if now >= quietAt { return true }
            guard now < deadline else { return false }
            _ = condition.wait(until: Self.date(min(quietAt, deadline), now: now))
        }
    }

    /// `instant` on the wall clock NSCondition waits by.
    private static func date(_ instant: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Date {
        let (s, atto) = (instant - now).components
        return Date(timeIntervalSinceNow: Double(s) + Double(atto) * 1e-18)
    }
}
