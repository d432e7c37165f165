import Foundation

/// Driver for ST's X-NUCLEO-LPM01A (PowerShield) over its USB virtual COM
/// port: ASCII commands acknowledged as `ack <command>`, energy samples in
/// ascii_dec at 1 kHz (`output energy`: joules per sample period), `event <n>
/// ris` at each timestamp edge on D7, `TimeStamp:` lines every 1000 samples.
///
/// Every command first purges what is still queued from the monitor (the
/// stale output that makes the MLCommons runner report "did not
/// acknowledge"); a sample count below what the `TimeStamp:` lines imply is
/// recorded as a gap.
public final class LPM01A: EnergyMonitor, @unchecked Sendable {
    public static let prompt = "PowerShield > "
    /// Seconds to wait for an acknowledgement.
    public var ackTimeout = 3.0
    /// Seconds to wait for `Acquisition completed` after `stop`.
    public var stopTimeout = 5.0

    public private(set) var identity = MonitorIdentity(model: "LPM01A", firmware: "unknown")
    public private(set) var settings = MonitorSettings(voltage: 1.8, sampleRateHz: 1000, edge: .falling)

    private let endpoint: String
    private var reader: MonitorReader!
    private let lock = NSLock()
    private var lines = LineReader()
    private var messages = [String]()
    private var acquiring = false
    /// `start` was sent: samples count from its acknowledgement on, so stale
    /// output still in the pipe cannot enter the new trace.
    private var armed = false
    private var trace = EnergyTrace(samplePeriod: 1e-3)

    /// Connects over `transport` (3 686 400 baud on a real port; the rate is
    /// nominal over USB), takes host control and reads the firmware version.
    public init(transport: any Transport) throws {
        endpoint = "LPM01A on \(transport.endpoint)"
        reader = MonitorReader(transport: transport) { [weak self] bytes in self?.received(bytes) }
        do {
            try command("htc")
            let version = try command("version")
            identity = MonitorIdentity(model: "LPM01A", firmware: version.trimmingCharacters(in: CharacterSet(charactersIn: ": ")))
        } catch {
            reader.close()
            throw error
        }
    }

    public func configure(_ settings: MonitorSettings) throws {
        guard settings.edge == .falling else {
            throw EnergyMonitorError.unexpected(monitor: endpoint, "the LPM01A's event input takes the falling edge of D7 (eventsrc d7 fal)")
        }
        guard (1.8...3.3).contains(settings.voltage) else {
            throw EnergyMonitorError.unexpected(monitor: endpoint, "supply voltage \(settings.voltage) V is outside the LPM01A's 1.8–3.3 V")
        }
        guard let freq = Self.frequencies[Int(settings.sampleRateHz)], settings.sampleRateHz <= 5000 else {
            throw EnergyMonitorError.unexpected(monitor: endpoint, "energy output at \(settings.sampleRateHz) Hz: use 1 kHz (ascii_dec is unlimited up to 5 kHz)")
        }
        try command("pwr off")
        try command("acqtime inf")
        try command("trigdelay 0")
        try command("trigsrc sw")
        try command("eventsrc d7 fal")
        try command("output energy")
        try command("format ascii_dec")
        try command("freq \(freq)")
        try command("volt \(Int((settings.voltage * 1000).rounded()))m")
        self.settings = settings
    }

    public func powerOn() throws { try command("pwr on nostatus") }
    public func powerOff() throws { try command("pwr off") }

    public func startAcquisition() throws {
        lock.lock()
        trace = EnergyTrace(samplePeriod: 1 / settings.sampleRateHz)
        armed = true
        lock.unlock()
        do {
            try command("start")
        } catch {
            lock.lock()
            armed = false
            lock.unlock()
            throw error
        }
    }

    public func progress() -> AcquisitionProgress {
        lock.lock()
        defer { lock.unlock() }
        return trace.progress
    }

    public func progress(beyond samples: Int, timeout: Duration) -> AcquisitionProgress {
        _ = reader.arrivals.wait(seconds: timeout.inSeconds) { progress().samples > samples }
        return progress()
    }

    /// Samples after the stop command are not part of the trace: the events
    /// that matter have arrived, and what follows may be stale.
    public func stopAcquisition() throws -> EnergyTrace {
        lock.lock()
        acquiring = false
        armed = false
        lock.unlock()
        purge()
        try write("stop")
        let done = reader.arrivals.wait(seconds: stopTimeout) { self.takeMessage { $0.contains("Acquisition completed") } != nil }
        lock.lock()
        let result = trace
        lock.unlock()
        guard done else { throw EnergyMonitorError.timeout(monitor: endpoint, waitingFor: "'Acquisition completed' after stop", seconds: stopTimeout) }
        return result
    }

    public func close() {
        _ = try? command("pwr off")
        _ = try? command("hrc")
        reader.close()
    }

    // MARK: - Commands

    /// Sends `text` and waits for `ack <text>`; returns what follows the echo.
    @discardableResult
    func command(_ text: String) throws -> String {
        purge()
        try write(text)
        var reply: String?
        let answered = reader.arrivals.wait(seconds: ackTimeout) {
            reply = self.takeMessage { ($0.hasPrefix("ack ") || $0.hasPrefix("error ")) && $0.contains(text) }
            return reply != nil
        }
        guard answered, let reply else {
            throw EnergyMonitorError.noAcknowledgement(monitor: endpoint, command: text, reply: lastMessage())
        }
        if reply.hasPrefix("error") {
            var detail: String?
            _ = reader.arrivals.wait(seconds: 0.5) {
                detail = self.takeMessage { $0.hasPrefix("Error detail") }
                return detail != nil
            }
            let text2 = detail.map { String($0.dropFirst("Error detail:".count)).trimmingCharacters(in: .whitespaces) } ?? reply
            throw EnergyMonitorError.rejected(monitor: endpoint, command: text, detail: text2)
        }
        let echo = "ack " + text
        return String(reply.dropFirst(min(echo.count, reply.count))).trimmingCharacters(in: .whitespaces)
    }

    private func write(_ text: String) throws {
        do {
            try reader.write(Array((text + "\r\n").utf8))
        } catch {
            throw EnergyMonitorError.transport(error)
        }
    }

    private func purge() {
        lock.lock()
        messages.removeAll()
        lock.unlock()
    }

    private func takeMessage(_ match: (String) -> Bool) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let i = messages.firstIndex(where: match) else { return nil }
        let m = messages[i]
        messages.removeSubrange(...i)
        return m
    }

    private func lastMessage() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return messages.last
    }

    // MARK: - Stream

    private func received(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        for raw in lines.feed(bytes) {
            let line = raw.hasPrefix(Self.prompt) ? String(raw.dropFirst(Self.prompt.count)) : raw
            if let value = LPM01AFormat.decimal(Substring(line)) {
                if acquiring { trace.energies.append(value) }
            } else if line.hasPrefix("event ") {
                let parts = line.split(separator: " ")
                if acquiring { trace.events.append(TimestampEvent(sampleIndex: trace.energies.count, number: parts.count > 1 ? Int(parts[1]) : nil)) }
            } else if line.hasPrefix("TimeStamp:") {
                if acquiring { checkSampleCount(line) }
            } else if line == "ack start" && armed {
                acquiring = true
                armed = false
                messages.append(line)
            } else if !line.isEmpty {
                if acquiring, Self.looksLikeData(line) {
                    // A garbled sample: keep its place on the timeline.
                    trace.energies.append(.nan)
                } else {
                    messages.append(line)
                }
            }
        }
    }

    /// `TimeStamp: 012s 345ms, buff 00%`: the samples the monitor has sent by
    /// then; fewer received means lines were lost on the way.
    private func checkSampleCount(_ line: String) {
        let digits = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 2 else { return }
        let expected = Int((Double(digits[0]) + Double(digits[1]) / 1000) * settings.sampleRateHz + 0.5)
        let recorded = trace.energies.count + trace.gaps.reduce(0) { $0 + $1.missing }
        if expected > recorded { trace.gaps.append(SampleGap(sampleIndex: trace.energies.count, missing: expected - recorded)) }
        if digits.count >= 3, digits[2] >= 50 { trace.warnings.append("monitor buffer \(digits[2]) % full at \(digits[0]) s") }
    }

    private static func looksLikeData(_ line: String) -> Bool {
        line.count <= 9 && line.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 }
    }

    /// The sampling frequencies `freq` accepts, by their value in Hz.
    static let frequencies: [Int: String] = [
        100_000: "100k", 50_000: "50k", 20_000: "20k", 10_000: "10k", 5000: "5k", 2000: "2k", 1000: "1k",
        500: "500", 200: "200", 100: "100", 50: "50", 20: "20", 10: "10", 5: "5", 2: "2", 1: "1",
    ]
}
