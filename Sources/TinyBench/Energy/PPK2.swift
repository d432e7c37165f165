import Foundation

/// Calibration of a PPK2, from its metadata (`KEY: VALUE` lines ending `END`),
/// and the conversion of a raw sample to amperes.
public struct PPK2Calibration: Sendable, Equatable {
    /// Per range (0–4): shunt resistance, gain slope and intercept, offset,
    /// slope and intercept corrections, user gain.
    public var r: [Double], gs: [Double], gi: [Double], o: [Double], s: [Double], i: [Double], ug: [Double]
    public var vdd: Double
    public var hardware: String

    /// Parses the metadata text; every per-range key must be present.
    public init(metadata: String) throws {
        var values = [String: String]()
        for line in metadata.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        func ranges(_ key: String) throws -> [Double] {
            try (0..<5).map { n in
                guard let text = values["\(key)\(n)"], let v = Double(text) else {
                    throw EnergyMonitorError.unexpected(monitor: "PPK2", "metadata lacks \(key)\(n)")
                }
                return v
            }
        }
        r = try ranges("R"); gs = try ranges("GS"); gi = try ranges("GI"); o = try ranges("O")
        s = try ranges("S"); i = try ranges("I"); ug = try ranges("UG")
        vdd = values["VDD"].flatMap(Double.init) ?? 3000
        hardware = values["HW"] ?? "unknown"
    }

    /// Amperes of a raw 14-bit ADC field in `range`, by Nordic's formula.
    public func current(adcField: Int, range: Int) -> Double {
        let adc = Double(adcField * 4)
        let x = (adc - o[range]) * (1.8 / 163_840) / r[range]
        return ug[range] * (x * (gs[range] * x + gi[range]) + s[range] * vdd / 1000 + i[range])
    }
}

/// One 32-bit PPK2 sample word.
public struct PPK2Sample: Sendable, Equatable {
    public var adc: Int
    public var range: Int
    public var counter: Int
    /// Logic inputs D0–D7 (bit n = Dn).
    public var logic: UInt8

    public init(adc: Int, range: Int, counter: Int, logic: UInt8) {
        self.adc = adc
        self.range = range
        self.counter = counter
        self.logic = logic
    }

    /// Little-endian word: bits 0–13 ADC, 14–16 range, 18–23 counter, 24–31 logic.
    public init(word: UInt32) {
        adc = Int(word & 0x3FFF)
        range = Int((word >> 14) & 0x7)
        counter = Int((word >> 18) & 0x3F)
        logic = UInt8(word >> 24)
    }

    public var word: UInt32 {
        UInt32(adc & 0x3FFF) | UInt32(range & 7) << 14 | UInt32(counter & 0x3F) << 18 | UInt32(logic) << 24
    }
}

/// Driver for Nordic's Power Profiler Kit II over its USB CDC port: byte
/// opcodes without acknowledgement, metadata with the calibration, source
/// mode at the set voltage, 100 kS/s samples whose 6-bit counter exposes
/// dropped samples, and one logic input (`timestampInput`, D0 by default) as
/// the timestamp line. The PPK2 measures current only: energy per sample is
/// I × V(set) × 10 µs.
public final class PPK2: EnergyMonitor, @unchecked Sendable {
    enum Opcode: UInt8 {
        case start = 0x06, stop = 0x07, power = 0x0C, sourceVoltage = 0x0D, mode = 0x11, metadata = 0x19
    }
    public static let sampleRate = 100_000.0
    /// Logic input wired to the DUT's timestamp pin (0–7).
    public let timestampInput: Int
    public var metadataTimeout = 3.0

    public private(set) var identity = MonitorIdentity(model: "PPK2", firmware: "unknown")
    public private(set) var settings = MonitorSettings(voltage: 3.0, sampleRateHz: PPK2.sampleRate, edge: .falling)
    /// Read from the unit when the driver connects.
    public private(set) var calibration: PPK2Calibration?

    private let endpoint: String
    private var reader: MonitorReader!
    private let lock = NSLock()
    private var text = [UInt8]()
    private var partial = [UInt8]()
    private var acquiring = false
    private var trace = EnergyTrace(samplePeriod: 1 / PPK2.sampleRate)
    private var lastCounter: Int?
    private var lastLevel: Bool?

    public init(transport: any Transport, timestampInput: Int = 0) throws {
        endpoint = "PPK2 on \(transport.endpoint)"
        self.timestampInput = timestampInput
        reader = MonitorReader(transport: transport) { [weak self] bytes in self?.received(bytes) }
        do {
            try send([Opcode.stop.rawValue])
            // A unit left streaming stops sending soon after: what was on the way is not metadata.
            _ = reader.arrivals.waitForQuiet(.milliseconds(50), seconds: metadataTimeout)
            lock.lock()
            text.removeAll()
            lock.unlock()
            try send([Opcode.metadata.rawValue])
            var metadata = ""
            let done = reader.arrivals.wait(seconds: metadataTimeout) {
                self.lock.lock()
                defer { self.lock.unlock() }
                metadata = String(decoding: self.text, as: UTF8.self)
                return metadata.contains("END")
            }
            guard done else { throw EnergyMonitorError.timeout(monitor: endpoint, waitingFor: "metadata (END)", seconds: metadataTimeout) }
            let calibration = try PPK2Calibration(metadata: String(metadata[..<metadata.range(of: "END")!.lowerBound]))
            lock.lock()
            self.calibration = calibration
            lock.unlock()
            identity = MonitorIdentity(model: "PPK2", firmware: "hardware \(calibration.hardware)")
        } catch {
            reader.close()
            throw error
        }
    }

    public func configure(_ settings: MonitorSettings) throws {
        guard (0.8...5.0).contains(settings.voltage) else {
            throw EnergyMonitorError.unexpected(monitor: endpoint, "source voltage \(settings.voltage) V is outside the PPK2's 0.8–5 V")
        }
        guard settings.sampleRateHz == Self.sampleRate else {
            throw EnergyMonitorError.unexpected(monitor: endpoint, "the PPK2 samples at 100 kHz only")
        }
        try send([Opcode.power.rawValue, 0])
        try send([Opcode.mode.rawValue, 2])
        let mv = Int((settings.voltage * 1000).rounded())
        try send([Opcode.sourceVoltage.rawValue, UInt8(mv >> 8), UInt8(mv & 0xFF)])
        self.settings = settings
    }

    public func powerOn() throws { try send([Opcode.power.rawValue, 1]) }
    public func powerOff() throws { try send([Opcode.power.rawValue, 0]) }

    public func startAcquisition() throws {
        lock.lock()
        trace = EnergyTrace(samplePeriod: 1 / Self.sampleRate)
        partial.removeAll()
        lastCounter = nil
        lastLevel = nil
        acquiring = true
        lock.unlock()
        try send([Opcode.start.rawValue])
        // No acknowledgement: the stream itself says the PPK2 has started, and
        // the DUT must not be started before (its first edge would be missed).
        guard reader.arrivals.wait(seconds: metadataTimeout, until: { self.progress().samples > 0 }) else {
            throw EnergyMonitorError.timeout(monitor: endpoint, waitingFor: "samples after start", seconds: metadataTimeout)
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

    /// The PPK2 does not confirm a stop: the trace ends when the stream has
    /// been quiet for 50 ms (at most 5 s).
    public func stopAcquisition() throws -> EnergyTrace {
        try send([Opcode.stop.rawValue])
        _ = reader.arrivals.waitForQuiet(.milliseconds(50), seconds: 5)
        lock.lock()
        acquiring = false
        defer { lock.unlock() }
        return trace
    }

    public func close() {
        try? send([Opcode.stop.rawValue])
        try? send([Opcode.power.rawValue, 0])
        reader.close()
    }

    private func send(_ bytes: [UInt8]) throws {
        do {
            try reader.write(bytes)
        } catch {
            throw EnergyMonitorError.transport(error)
        }
    }

    private func received(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard acquiring, let calibration else {
            text += bytes
            if text.count > 1 << 16 { text.removeFirst(text.count - (1 << 16)) }
            return
        }
        partial += bytes
        let whole = partial.count / 4 * 4
        let volts = settings.voltage, period = trace.samplePeriod, bit = UInt8(1) << timestampInput
        trace.energies.reserveCapacity(trace.energies.count + whole / 4)
        var k = 0
        while k < whole {
            let sample = PPK2Sample(word: UInt32(partial[k]) | UInt32(partial[k + 1]) << 8 | UInt32(partial[k + 2]) << 16 | UInt32(partial[k + 3]) << 24)
            k += 4
            if let last = lastCounter, sample.counter != (last + 1) & 0x3F {
                trace.gaps.append(SampleGap(sampleIndex: trace.energies.count, missing: (sample.counter - last - 1) & 0x3F))
            }
            lastCounter = sample.counter
            let high = sample.logic & bit != 0
            if let previous = lastLevel, previous != high, high == (settings.edge == .rising) {
                trace.events.append(TimestampEvent(sampleIndex: trace.energies.count))
            }
            lastLevel = high
            guard sample.range <= 4 else {
                trace.energies.append(.nan)
                continue
            }
            trace.energies.append(calibration.current(adcField: sample.adc, range: sample.range) * volts * period)
        }
        partial.removeFirst(whole)
    }
}
