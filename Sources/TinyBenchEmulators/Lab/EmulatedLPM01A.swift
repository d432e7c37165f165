import Foundation
import TinyBench

/// The emulated X-NUCLEO-LPM01A: the PowerShield's command set as the
/// MLCommons runner uses it (acks echo the command after the prompt, errors
/// come with an `Error detail:` line), `pwr on|off` switching the lab's DUT,
/// and while acquiring an ascii_dec stream of energy per sample period
/// computed from the DUT's activity (4 significant digits, 0.2 % sample
/// noise), `event <n> ris` before the sample in which a falling edge of the
/// timestamp line lies, and `TimeStamp:` lines every 1000 samples.
public final class EmulatedLPM01A: SerialDevice {
    /// Misbehaviour for tests: the failures users meet.
    public struct Faults: Sendable {
        /// Acknowledgements arrive this many seconds late (wall clock).
        public var ackDelaySeconds = 0.0
        /// Events to leave out (a lost timestamp event), counted from 1 across
        /// all acquisitions (the printed numbers restart with each `start`).
        public var dropEvents: Set<Int> = []
        /// Every n-th sample line is lost on the way (0: none).
        public var dropEveryNthSample = 0
        /// After `stop`, old samples and an old event keep coming before
        /// `Acquisition completed`, and again before the next acknowledgement.
        public var staleOutput = false
        public init() {}
    }

    public static let firmwareVersion = "1.0.7"
    public let lab: EnergyLab
    public var faults: Faults
    private var command = [UInt8]()
    private var voltage = 3.3
    private var frequency = 100.0
    private var acquiring = false
    private var hostControl = false
    private var start = 0.0
    private var emitted = 0
    private var eventCount = 0
    private var eventsSinceCreation = 0
    private var pendingEdges = [Double]()
    private var lastStale = [String]()
    private var noise: LabNoise

    public init(lab: EnergyLab, faults: Faults = Faults(), seed: UInt64 = 1) {
        self.lab = lab
        self.faults = faults
        noise = LabNoise(seed: seed)
    }

    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        for b in bytes {
            if b == 10 || b == 13 {
                if !command.isEmpty { out += execute(String(decoding: command, as: UTF8.self)) }
                command.removeAll()
            } else if command.count < 256 {
                command.append(b)
            }
        }
        return out
    }

    private func ack(_ text: String) -> [UInt8] {
        if faults.ackDelaySeconds > 0 { Thread.sleep(forTimeInterval: faults.ackDelaySeconds) }
        var out = [UInt8]()
        if faults.staleOutput && !lastStale.isEmpty { out += Array(lastStale.map { $0 + "\r\n" }.joined().utf8) }
        return out + Array("\r\n\(LPM01A.prompt)\(text)\r\n\r\n".utf8)
    }

    private func error(_ cmd: String, _ detail: String) -> [UInt8] {
        Array("\r\n\(LPM01A.prompt)error \(cmd)\r\nError detail: \(detail)\r\n".utf8)
    }

    private func execute(_ line: String) -> [UInt8] {
        let words = line.split(separator: " ").map(String.init)
        guard let first = words.first else { return [] }
        switch first {
        case "htc": hostControl = true; return ack("ack htc")
        case "hrc": hostControl = false; return ack("ack hrc")
        case "version": return ack("ack version: \(Self.firmwareVersion)")
        case "powershield": return ack("ack powershield present EMULATED-LPM01A")
        case "status": return ack("ack status ok")
        case "lcd", "acqtime", "trigdelay", "trigsrc", "eventsrc", "output", "format", "acqmode", "funcmode":
            guard hostControl else { return error(line, "host control not taken (htc)") }
            return ack("ack \(line)")
        case "freq":
            guard words.count == 2, let hz = Self.parse(words[1]), hz > 0, hz <= 10_000 else { return error(line, "invalid frequency") }
            frequency = hz
            return ack("ack \(line)")
        case "volt":
            guard words.count == 2 else { return error(line, "missing value") }
            if words[1] == "get" { return ack("ack volt get \(LPM01AFormat.decimalText(voltage))") }
            guard let v = Self.parse(words[1]), (1.8...3.3).contains(v) else { return error(line, "voltage out of range [1800m; 3300m]") }
            voltage = v
            return ack("ack \(line)")
        case "pwr":
            guard words.count >= 2, words[1] == "on" || words[1] == "off" else { return error(line, "expected on or off") }
            lab.setPower(words[1] == "on")
            return ack("ack \(line)")
        case "start":
            guard hostControl else { return error(line, "host control not taken (htc)") }
            acquiring = true
            start = lab.now
            emitted = 0
            eventCount = 0
            pendingEdges = []
            lab.idle()
            return ack("ack start")
        case "stop":
            var out = poll()
            acquiring = false
            if faults.staleOutput { out += Array(lastStale.map { $0 + "\r\n" }.joined().utf8) }
            return out + Array("\r\n\(LPM01A.prompt)Acquisition completed\r\n\r\n".utf8)
        default:
            return error(line, "unknown command")
        }
    }

    /// While acquiring, samples flow without being asked for.
    public var isStreaming: Bool { acquiring }

    /// Samples from the last one sent up to the lab's present.
    public func poll() -> [UInt8] {
        guard acquiring else { return [] }
        lab.idle()
        let period = 1e6 / frequency
        let now = lab.now
        let target = Int((now - start) / period)
        guard target > emitted else { return [] }
        pendingEdges += lab.edges(from: start + Double(emitted) * period, to: start + Double(target) * period)
        var text = ""
        var stale = [String]()
        for k in emitted..<target {
            let t0 = start + Double(k) * period
            while let edge = pendingEdges.first, edge < t0 + period {
                pendingEdges.removeFirst()
                eventCount += 1
                eventsSinceCreation += 1
                if !faults.dropEvents.contains(eventsSinceCreation) { text += "event \(eventCount) ris\r\n" }
            }
            let joules = lab.energy(from: t0, to: t0 + period) * (1 + 0.002 * noise.normal())
            let sample = LPM01AFormat.decimalText(joules)
            if faults.dropEveryNthSample == 0 || (k + 1) % faults.dropEveryNthSample != 0 { text += sample + "\r\n" }
            if stale.count < 5 { stale.append(sample) }
            if (k + 1) % 1000 == 0 {
                let ms = Int((Double(k + 1) * 1000 / frequency).rounded())
                text += String(format: "TimeStamp: %03ds %03dms, buff 00%%\r\n", ms / 1000, ms % 1000)
            }
        }
        emitted = target
        lastStale = stale + ["event 1 ris"]
        return Array(text.utf8)
    }

    /// A number with an optional u/m/k suffix or a -xx/+xx exponent.
    static func parse(_ s: String) -> Double? {
        if let v = Double(s) { return v }
        // Divided, not multiplied by 1e-3: 3300m must be exactly 3.3 (3300 × 1e-3 is just above it).
        let scale: [Character: Double] = ["u": 1e6, "m": 1e3, "k": 1e-3]
        if let last = s.last, let f = scale[last], let v = Double(s.dropLast()) { return v / f }
        if s.count == 7, let v = LPM01AFormat.decimal(Substring(s)) { return v }
        return nil
    }
}
