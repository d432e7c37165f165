import Foundation
import TinyBench

/// ad01: machine sounds in the style of ToyADMOS / DCASE 2020 task 2 —
/// four machines (IDs 01–04), each a rotating part with its own speed,
/// harmonic profile, resonance and mechanical clicks, over broadband noise —
/// recorded as 16 kHz audio and turned into 200 × 128 log-mel frames by the
/// reference front end (`ADFrontEnd`). Anomalous recordings have one fault at
/// a random severity: bearing whine, imbalance, rubbing, missing clicks with
/// knocks (the subtlest), or a speed change; the test set cycles through all
/// five, each on several machines.
public struct AnomalyDetectionGenerator: DemoGenerator {
    public let benchmark = Benchmark.ad01
    public let defaultTestCount = 32

    public init() {}

    /// A machine's fixed character.
    struct Machine {
        var rotation: Double        // Hz
        var harmonics: [Double]     // amplitude of each multiple of the rotation frequency
        var resonance: Double       // Hz, a band the housing rings at
        var clickPeriod: Double     // seconds between mechanical clicks
        var noise: Double           // broadband level

        static let all: [Machine] = [
            Machine(rotation: 93, harmonics: [1, 0.6, 0.35, 0.2, 0.12, 0.08], resonance: 1800, clickPeriod: 0.31, noise: 0.02),
            Machine(rotation: 141, harmonics: [1, 0.3, 0.5, 0.1, 0.25], resonance: 2600, clickPeriod: 0.45, noise: 0.03),
            Machine(rotation: 67, harmonics: [0.7, 1, 0.4, 0.4, 0.15, 0.1, 0.05], resonance: 1200, clickPeriod: 0.22, noise: 0.015),
            Machine(rotation: 188, harmonics: [1, 0.45, 0.2, 0.1], resonance: 3400, clickPeriod: 0.6, noise: 0.025),
        ]
    }

    enum Fault: CaseIterable { case whine, imbalance, rubbing, clicks, speed }

    public func generate(split: DemoSplit, count: Int, into writer: inout DatasetWriter) throws {
        let frontEnd = ADFrontEnd()
        for i in 0..<count {
            // Test files alternate normal/anomalous; the training split is normal only, as in the task.
            let anomalous = split == .test && i % 2 == 1
            let id = (i / 2) % Machine.all.count
            var rng = SeededRandom(seed: 0x0AD1, split == .test ? 1 : 2, UInt64(i))
            // Five faults against four machines: every anomalous file pairs a different fault and machine.
            let fault = anomalous ? Fault.allCases[(i / 2) % Fault.allCases.count] : nil
            let audio = Self.record(Machine.all[id], fault: fault, using: &rng)
            guard let bytes = ADFrontEnd.fileBytes(frontEnd.logMel(audio)) else { throw SpeechError("ad01 recording \(i) is shorter than 200 frames") }
            let name = "\(anomalous ? "anomaly" : "normal")_id_0\(id + 1)_\(String(format: "%08d", i))_hist_librosa.bin"
            try writer.add(file: name, label: anomalous ? 1 : 0, bytes: bytes)
        }
    }

    /// 200 frames' worth of audio of `machine`, with `fault` if given.
    static func record(_ machine: Machine, fault: Fault?, using rng: inout SeededRandom) -> [Float] {
        let n = ADFrontEnd.samples(forFrames: ADFrontEnd.framesPerFile)
        let rate = Double(ADFrontEnd.sampleRate)
        // Normal variation between recordings: speed, level, microphone gain.
        var speed = machine.rotation * rng.uniform(0.985...1.015)
        let gain = rng.uniform(0.5...1.5)
        // How obvious a fault is: at 0 barely audible, at 1 plain in the spectrogram.
        let severity = rng.uniform(0...1)
        if fault == .speed { speed *= 1 + (rng.unit() < 0.5 ? -1 : 1) * (0.004 + 0.1 * severity) }
        let whine = rng.uniform(2500...6000), whineLevel = 0.0005 + 0.04 * severity
        let rubBand = rng.uniform(700...2500)
        var out = [Float](repeating: 0, count: n)
        var phase = 0.0
        var noiseState = 0.0, ring1 = 0.0, ring2 = 0.0
        // Housing resonance as a two-pole filter on the noise and clicks.
        let r = 0.995, theta = 2 * Double.pi * machine.resonance / rate
        let a1 = 2 * r * cos(theta), a2 = -r * r
        var nextClick = rng.uniform(0...machine.clickPeriod)
        var click = 0.0, knock = 0.0
        var rubState = 0.0
        for i in 0..<n {
            let t = Double(i) / rate
            let drift = 1 + 0.004 * sin(2 * Double.pi * 0.3 * t)
            phase += 2 * Double.pi * speed * drift / rate
            var s = 0.0
            for (h, a) in machine.harmonics.enumerated() { s += a * sin(Double(h + 1) * phase) }
            s *= 0.1
            if fault == .imbalance { s *= 1 + (0.02 + 0.6 * severity) * sin(phase) }
            // Clicks excite the resonance.
            if t >= nextClick {
                let skip = fault == .clicks && rng.unit() < 0.2 + 0.5 * severity
                click = skip ? 0 : rng.uniform(0.5...1)
                // A loose part: the clicks that remain come with a knock, a short broadband burst.
                if fault == .clicks && !skip { knock = (0.005 + 0.06 * severity) * rng.uniform(0.5...1) }
                let jitter = fault == .clicks ? rng.uniform(-0.3...0.3) * severity : rng.uniform(-0.02...0.02)
                nextClick += machine.clickPeriod * (1 + jitter)
            }
            let excitation = machine.noise * rng.normal() + click * 0.3
            click *= 0.9
            let ring = excitation + a1 * ring1 + a2 * ring2
            ring2 = ring1
            ring1 = ring
            noiseState = 0.7 * noiseState + 0.3 * rng.normal()
            s += 0.01 * ring + machine.noise * noiseState
            if fault == .clicks {
                s += knock * rng.normal()
                knock *= 0.993
            }
            if fault == .whine { s += whineLevel * sin(2 * Double.pi * whine * t) * (1 + 0.3 * sin(2 * Double.pi * 2 * t)) }
            if fault == .rubbing {
                // Intermittent scraping: band noise that comes and goes with the rotation.
                rubState = 0.95 * rubState + rng.normal() * 0.3
                let envelope = max(0, sin(phase * 0.5)) * (0.004 + 0.07 * severity)
                s += envelope * rubState * sin(2 * Double.pi * rubBand * t)
            }
            out[i] = Float(s * gain)
        }
        return out
    }
}
