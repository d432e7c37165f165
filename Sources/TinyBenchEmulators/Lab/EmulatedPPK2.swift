import Foundation
import TinyBench

/// The emulated Nordic PPK2 in source mode: byte opcodes, the metadata text
/// with a calibration (deliberately not the identity, so the driver's formula
/// is exercised), `0C` switching the lab's DUT, and while started a stream of
/// 32-bit samples at 100 kS/s: the DUT's current at the set voltage turned
/// back into a 14-bit ADC value of the right range (with 0.3 % noise), the
/// 6-bit counter, and the timestamp line on logic input D0.
public final class EmulatedPPK2: SerialDevice {
    public struct Faults: Sendable {
        /// Every n-th sample is not sent (the counter shows the gap; 0: none).
        public var dropEveryNthSample = 0
        /// Timestamp pulses (1-based) that never reach the logic input.
        public var dropPulses: Set<Int> = []
        public init() {}
    }

    /// The metadata the emulated unit reports.
    public static let metadata = """
        Calibrated: 0
        R0: 1031.64
        R1: 101.65
        R2: 10.15
        R3: 0.94
        R4: 0.043
        GS0: 0.0001
        GS1: 0.0001
        GS2: 0.0001
        GS3: 0.02
        GS4: 0.01
        GI0: 1.0
        GI1: 1.0
        GI2: 1.0
        GI3: 0.995
        GI4: 1.0
        O0: 64
        O1: 72
        O2: 80
        O3: 96
        O4: 110
        S0: 0
        S1: 0
        S2: 0
        S3: 0.000001
        S4: 0
        I0: 0
        I1: 0
        I2: 0
        I3: 0.000002
        I4: 0
        UG0: 1
        UG1: 1
        UG2: 1
        UG3: 1.002
        UG4: 1
        VDD: 3000
        HW: 12345
        mode: 2
        IA: 0
        END

        """

    public let lab: EnergyLab
    public var faults: Faults
    private let calibration: PPK2Calibration
    private var pending = [UInt8]()
    private var millivolts = 3300
    private var acquiring = false
    private var start = 0.0
    private var emitted = 0
    private var noise: LabNoise

    public init(lab: EnergyLab, faults: Faults = Faults(), seed: UInt64 = 2) {
        self.lab = lab
        self.faults = faults
        noise = LabNoise(seed: seed)
        calibration = try! PPK2Calibration(metadata: Self.metadata)
    }

    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        pending += bytes
        var out = [UInt8]()
        while let op = pending.first {
            let length: Int
            switch op {
            case 0x0D: length = 3
            case 0x0C, 0x11, 0x25: length = op == 0x25 ? 6 : 2
            default: length = 1
            }
            guard pending.count >= length else { break }
            let command = Array(pending.prefix(length))
            pending.removeFirst(length)
            switch op {
            case 0x06:
                acquiring = true
                start = lab.now
                emitted = 0
                lab.idle()
            case 0x07: acquiring = false
            case 0x0C: lab.setPower(command[1] == 1)
            case 0x0D: millivolts = Int(command[1]) << 8 | Int(command[2])
            case 0x19: out += Array(Self.metadata.utf8)
            default: break                      // mode, gain, reset: nothing to emulate
            }
        }
        return out
    }

    /// While started, samples flow without being asked for.
    public var isStreaming: Bool { acquiring }

    public func poll() -> [UInt8] {
        guard acquiring else { return [] }
        lab.idle()
        let period = 1e6 / PPK2.sampleRate
        let target = Int((lab.now - start) / period)
        guard target > emitted else { return [] }
        let volts = Double(millivolts) / 1000
        let edges = lab.edges(from: 0, to: start + Double(target) * period)
        var out = [UInt8]()
        out.reserveCapacity((target - emitted) * 4)
        for k in emitted..<target {
            let t0 = start + Double(k) * period
            let amps = lab.energy(from: t0, to: t0 + period) / (period * 1e-6) / volts
            var word = encode(amps * (1 + 0.003 * noise.normal()))
            // The line is sampled at the start of each period; a dropped pulse never shows.
            let high = lab.timestampLineHigh(at: t0)
            let pulse = high ? nil : edges.lastIndex { $0 <= t0 }.map { $0 + 1 }
            word.logic = (high || pulse.map(faults.dropPulses.contains) == true) ? 1 : 0
            word.counter = k & 0x3F
            if faults.dropEveryNthSample > 0 && (k + 1) % faults.dropEveryNthSample == 0 { continue }
            let w = word.word
            out += [UInt8(w & 0xFF), UInt8(w >> 8 & 0xFF), UInt8(w >> 16 & 0xFF), UInt8(w >> 24)]
        }
        emitted = target
        return out
    }

    /// The sample word whose ADC value gives `amps` back through the calibration.
    private func encode(_ amps: Double) -> PPK2Sample {
        let limits = [50e-6, 500e-6, 5e-3, 50e-3]
        let range = limits.firstIndex { amps < $0 } ?? 4
        let c = calibration
        let target = amps / c.ug[range] - c.s[range] * c.vdd / 1000 - c.i[range]
        let x = c.gs[range] == 0 ? target / c.gi[range]
            : (-c.gi[range] + (c.gi[range] * c.gi[range] + 4 * c.gs[range] * target).squareRoot()) / (2 * c.gs[range])
        let adc = x * c.r[range] * 163_840 / 1.8 + c.o[range]
        let field = min(max(Int((adc / 4).rounded()), 0), 0x3FFF)
        return PPK2Sample(adc: field, range: range, counter: 0, logic: 1)
    }
}
