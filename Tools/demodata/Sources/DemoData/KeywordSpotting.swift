import Foundation
import TinyBench
import TinyRuntime

/// kws01: one-second clips in the twelve classes of the MLPerf Tiny KWS
/// benchmark — the ten command words spoken by espeak-ng in varied voices,
/// speeds and pitches at a random place in the second, silence (background
/// only), and unknown (other words) — over background noise (pink, brown,
/// mains hum, distant babble) at random levels, then the reference MFCC
/// front end (`KWSFrontEnd`) and the int8 quantization of the model's input.
public struct KeywordSpottingGenerator: DemoGenerator {
    public let benchmark = Benchmark.kws01
    public let defaultTestCount = 720
    /// int8 input parameters the features are quantized with.
    public let inputScale: Float
    public let inputZeroPoint: Int32

    static let commands = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]
    static let otherWords = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
                             "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                             "forward", "backward", "follow", "learn", "visual"]
    static let voices = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029"]
    static let variants = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5", "+klatt", "+croak"]

    /// The MLPerf Tiny reference model's input parameters, used when no demo model exists yet.
    public static let referenceInput: (scale: Float, zeroPoint: Int32) = (0.5847029089927673, 83)

    public init(inputScale: Float = Self.referenceInput.scale, inputZeroPoint: Int32 = Self.referenceInput.zeroPoint) {
        self.inputScale = inputScale
        self.inputZeroPoint = inputZeroPoint
    }

    /// Quantizes with the int8 input of `model` (the committed demo model).
    public init(model: Model) throws {
        let input = model.main.tensors[model.main.inputs[0]]
        guard input.type == .int8, let q = input.quantization else { throw SpeechError("the kws01 model's input is not int8") }
        self.init(inputScale: q.scale, inputZeroPoint: q.zeroPoint)
    }

    public func generate(split: DemoSplit, count: Int, into writer: inout DatasetWriter) throws {
        let frontEnd = KWSFrontEnd()
        for i in 0..<count {
            let label = i % 12
            var rng = SeededRandom(seed: 0x0C01, split == .test ? 1 : 2, UInt64(i))
            let clip = try Self.clip(label: label, using: &rng)
            let features = KWSFrontEnd.quantize(frontEnd.features(clip.map(Float.init)), scale: inputScale, zeroPoint: inputZeroPoint)
            try writer.add(file: "tst_\(String(format: "%06d", i))_\(SpeechCommands.labels[label])_\(label).bin", label: label,
                           bytes: features.map { UInt8(bitPattern: $0) })
        }
    }

    static func randomVoice(using rng: inout SeededRandom) -> Speech.Voice {
        Speech.Voice(name: voices[rng.int(0...voices.count - 1)] + variants[rng.int(0...variants.count - 1)],
                     wordsPerMinute: rng.int(110...230), pitch: rng.int(15...85))
    }

    /// One second of audio for `label`.
    static func clip(label: Int, using rng: inout SeededRandom) throws -> [Double] {
        var clip = background(using: &rng)
        guard label != 10 else { return clip }
        let word = label < 10 ? commands[label] : otherWords[rng.int(0...otherWords.count - 1)]
        var speech = try Speech.say(word, voice: randomVoice(using: &rng))
        // espeak-ng pads with silence: keep the voiced part so the word can land anywhere in the second.
        let threshold = (speech.map(abs).max() ?? 0) * 0.02
        if let first = speech.firstIndex(where: { abs($0) > threshold }), let last = speech.lastIndex(where: { abs($0) > threshold }) {
            speech = Array(speech[max(first - 400, 0)...min(last + 400, speech.count - 1)])
        }
        speech = Array(speech.prefix(16_000))
        let start = rng.int(0...(16_000 - speech.count))
        let gain = rng.uniform(0.15...0.9) / max(speech.map(abs).max() ?? 1, 1e-9)
        for (k, s) in speech.enumerated() { clip[start + k] += s * gain }
        return clip
    }

    /// Background: a random mix of coloured noise, mains hum and distant babble.
    static func background(using rng: inout SeededRandom) -> [Double] {
        var out = [Double](repeating: 0, count: 16_000)
        let level = pow(10, rng.uniform(-3.3...(-1.2)))
        // Pink-ish (one-pole filtered) or brown (integrated) noise.
        var state = 0.0
        let pole = rng.uniform(0...0.98)
        for i in out.indices {
            state = pole * state + (1 - pole) * rng.normal()
            out[i] = state * level * 3
        }
        if rng.unit() < 0.3 {
            let f = rng.unit() < 0.5 ? 50.0 : 60.0
            let a = level * rng.uniform(0.5...3)
            for i in out.indices {
                let t = Double(i) / 16_000
                out[i] += a * (sin(2 * .pi * f * t) + 0.5 * sin(2 * .pi * 3 * f * t))
            }
        }
        if rng.unit() < 0.25, let babble = try? Speech.say(otherWords[rng.int(0...otherWords.count - 1)], voice: randomVoice(using: &rng)) {
            let a = level * rng.uniform(1...4) / max(babble.map(abs).max() ?? 1, 1e-9)
            let offset = rng.int(0...15_000)
            for (k, s) in babble.prefix(16_000 - offset).enumerated() { out[offset + k] += s * a }
        }
        return out
    }
}
