import Foundation
import TinyBench
import TinyBenchEmulators

/// sww01: synthetic 16 kHz streams of words spoken by espeak-ng over changing
/// background noise, the wakeword "marvin" among other words, and the
/// frame-by-frame model inputs a DUT computes from them.
///
/// - The bundled demo stream (`--split test`): 24 s, 7 wakewords and 8 other
///   words, written as a 16-bit stereo WAV (both channels equal, as the
///   runner's `build_long_wav.py` writes them; the DUT takes the left one) and
///   a truth file in the runner's `sww_*_test.json` format. Its voices and
///   its other words are held out from training.
/// - Training data (`--split train`): `count` streams of 30 s (40 % of the
///   words are the wakeword) from the training voices and words, and, with
///   `--windows` also for the test split, every frame's 30 × 40 int8 model
///   input as ``StreamingFrontEnd`` (the DUT's front end) computes it, with
///   a label for each.
///
/// Truth windows are placed as the runner places them: from the word's onset
/// to its end, where onset and end are the first and last samples above 2 %
/// of the utterance's peak (the runner trims its wakewords the same way).
public enum WakewordStreamGenerator {
    /// Features are written quantised with scale 1/255 (`(int8)(f * 255 - 128)`,
    /// truncated, as the DUT quantises): the demo model's input scale, so the
    /// DUT computes exactly these bytes.
    public static let featureScale: Float = 1.0 / 255
    public static let sampleRate = 16_000
    public static let wakeword = "marvin"
    /// Frame labels (the reference model's class order) and the value for a
    /// window that is neither (a wakeword partly inside: left out of training).
    public static let labelWakeword: UInt8 = 0, labelSilence: UInt8 = 1, labelUnknown: UInt8 = 2, labelAmbiguous: UInt8 = 255
    /// The bundled stream's file names (in `<root>/sww01/`).
    public static let demoWAV = "sww_demo_24s.wav", demoTruth = "sww_demo_test.json"

    static let trainingVoices = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029"]
    static let trainingVariants = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+f1", "+f2", "+f3", "+klatt", "+klatt2", "+croak", "+iven", "+john", "+linda"]
    static let demoVoices = ["en-gb-x-gbclan", "en-gb-x-gbcwmd"]
    static let demoVariants = ["", "+m6", "+m7", "+f4", "+f5", "+klatt3", "+adam"]
    static let trainingWords = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "bed", "bird", "cat", "dog",
                                "happy", "house", "sheila", "tree", "wow", "zero", "one", "two", "three", "four", "five", "six",
                                "seven", "eight", "nine", "forward", "backward", "follow", "learn", "visual", "martin", "marble",
                                "garden", "cabin", "movie", "darling", "morning", "carving", "harvest", "heaven", "arvin", "mark"]
    static let demoWords = ["window", "coffee", "market", "kevin", "yellow", "number", "picture", "table"]

    /// One spoken word in a stream: samples `start ..< end` are its voiced part.
    public struct Word: Sendable, Equatable {
        public var text: String
        public var start: Int
        public var end: Int
        public var isWakeword: Bool { text == WakewordStreamGenerator.wakeword }

        public init(text: String, start: Int, end: Int) {
            self.text = text
            self.start = start
            self.end = end
        }
    }

    /// A mono stream and the words in it.
    public struct Stream: Sendable {
        public var samples: [Int16]
        public var words: [Word]
        public var seconds: Double { Double(samples.count) / Double(WakewordStreamGenerator.sampleRate) }
        /// The truth windows: the wakewords' [onset, end] in seconds.
        public var windows: [DetectionWindow] {
            words.filter(\.isWakeword).map {
                DetectionWindow(start: Double($0.start) / Double(WakewordStreamGenerator.sampleRate),
                                stop: Double($0.end) / Double(WakewordStreamGenerator.sampleRate))
            }
        }
    }

    /// The bundled demo stream: 24 s (375 whole 4 KiB refills of the stereo
    /// WAV, so the interface board plays all of it), 7 wakewords, 8 other words.
    public static func demoStream() throws -> Stream {
        var rng = SeededRandom(seed: 0x5701, 1)
        var others = demoWords
        // Seeded Fisher–Yates: the order is part of the stream.
        for i in stride(from: others.count - 1, to: 0, by: -1) { others.swapAt(i, rng.int(0...i)) }
        // Other words and wakewords alternate: o M o M ... M o.
        let texts = others.indices.flatMap { i in i < 7 ? [others[i], wakeword] : [others[i]] }
        return try stream(texts: texts, seconds: 24, voices: demoVoices, variants: demoVariants, peak: 0.8,
                          noiseRange: 0.02...0.15, wakewordSpacing: demoWakewordSpacing, using: &rng)
    }

    /// Training stream `index`: 30 s, words from the training list (40 % wakewords).
    public static func trainingStream(_ index: Int) throws -> Stream {
        var rng = SeededRandom(seed: 0x5701, 2, UInt64(index))
        let texts = (0..<22).map { _ in rng.unit() < 0.4 ? wakeword : trainingWords[rng.int(0...trainingWords.count - 1)] }
        return try stream(texts: texts, seconds: 30, voices: trainingVoices, variants: trainingVariants,
                          peak: rng.uniform(0.25...0.95), noiseRange: 0.008...0.35, using: &rng)
    }

    /// The demo stream's least time from a wakeword's end to the next one's
    /// onset (2.2 s): the runner credits a window with every detection up to
    /// 2 s after its end, so a wakeword closer to the one before would have its
    /// detections taken by that window and count as missed.
    public static let demoWakewordSpacing = 35_200

    /// Places `texts` in order over background noise; gaps 0.3–1.3 s. Without
    /// `wakewordSpacing` the gaps shrink if the words would not fit before the
    /// last second; with it, each wakeword starts at least that many samples
    /// after the previous one's end (and the words must fit as they are).
    static func stream(texts: [String], seconds: Int, voices: [String], variants: [String], peak: Double,
                       noiseRange: ClosedRange<Double>, wakewordSpacing: Int? = nil, using rng: inout SeededRandom) throws -> Stream {
        let n = seconds * sampleRate
        var utterances: [(text: String, audio: [Double], onset: Int, end: Int)] = []
        for text in texts {
            let voice = Speech.Voice(name: voices[rng.int(0...voices.count - 1)] + variants[rng.int(0...variants.count - 1)],
                                     wordsPerMinute: rng.int(120...220), pitch: rng.int(20...80))
            let speech = try Speech.say(text, voice: voice)
            let threshold = (speech.map(abs).max() ?? 0) * 0.02
            guard let first = speech.firstIndex(where: { abs($0) > threshold }),
                  let last = speech.lastIndex(where: { abs($0) > threshold }) else { throw SpeechError("espeak-ng said nothing for '\(text)'") }
            // Keep 25 ms of the quiet edges; the voiced part is onset ..< end.
            let lo = max(first - 400, 0), hi = min(last + 400, speech.count - 1)
            let voiced = speech[first...last]
            let rms = (voiced.reduce(0) { $0 + $1 * $1 } / Double(voiced.count)).squareRoot()
            let gain = rng.uniform(0.5...1.4) / max(rms, 1e-9)
            utterances.append((text, speech[lo...hi].map { $0 * gain }, first - lo, last + 1 - lo))
        }
        let lead = rng.uniform(1.0...1.5) * Double(sampleRate)
        var gaps = utterances.map { _ in rng.uniform(0.3...1.3) * Double(sampleRate) }
        let speaking = utterances.reduce(0) { $0 + $1.audio.count }
        let room = Double(n - sampleRate) - lead - Double(speaking)
        let total = gaps.dropLast().reduce(0, +)
        guard room > 0 else { throw SpeechError("\(texts.count) words do not fit in \(seconds) s") }
        if total > room && wakewordSpacing == nil { gaps = gaps.map { $0 * room / total } }
        var mix = background(count: n, levels: noiseRange, using: &rng)
        var words: [Word] = []
        var cursor = Int(lead)
        for (u, gap) in zip(utterances, gaps) {
            if let spacing = wakewordSpacing, u.text == wakeword, let previous = words.last(where: \.isWakeword) {
                cursor = max(cursor, previous.end + spacing - u.onset)
            }
            guard cursor + u.audio.count <= n - sampleRate else { throw SpeechError("\(texts.count) words do not fit in \(seconds) s") }
            for (k, s) in u.audio.enumerated() { mix[cursor + k] += s }
            words.append(Word(text: u.text, start: cursor + u.onset, end: cursor + u.end))
            cursor += u.audio.count + Int(gap)
        }
        let scale = peak / max(mix.map(abs).max() ?? 1, 1e-9)
        let samples = mix.map { Int16(max(-32768, min(32767, ($0 * scale * 32768).rounded()))) }
        return Stream(samples: samples, words: words)
    }

    /// Noise whose colour and level change every 1.5–5 s (levels relative to
    /// speech of RMS 1, ramped over 0.2 s), sometimes with mains hum or a
    /// steady tone chord.
    static func background(count: Int, levels: ClosedRange<Double>, using rng: inout SeededRandom) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var i = 0, state = 0.0, level = rng.uniform(levels), brown = 0.0
        while i < count {
            let length = min(Int(rng.uniform(1.5...5) * Double(sampleRate)), count - i)
            let target = exp(rng.uniform(log(levels.lowerBound)...log(levels.upperBound)))
            let pole = rng.uniform(0...0.97), brownMix = rng.unit() < 0.3 ? rng.uniform(0.2...0.8) : 0
            let unit = ((1 + pole) / (1 - pole)).squareRoot()  // the one-pole filter's output to unit RMS
            let hum = rng.unit() < 0.3 ? target * rng.uniform(0.3...1.5) : 0, humF = rng.unit() < 0.5 ? 50.0 : 60.0
            let chord = rng.unit() < 0.2 ? target * rng.uniform(0.3...1) : 0
            let notes = (0..<3).map { _ in 110 * pow(2, Double(rng.int(0...36)) / 12) }
            let start = level
            for k in 0..<length {
                let ramp = min(Double(k) / (0.2 * Double(sampleRate)), 1)
                let l = start + (target - start) * ramp
                state = pole * state + (1 - pole) * rng.normal()
                brown = 0.995 * brown + 0.05 * rng.normal()
                let t = Double(i + k) / Double(sampleRate)
                var v = l * ((1 - brownMix) * state * unit + brownMix * brown * 2)
                if hum > 0 { v += hum * (sin(2 * .pi * humF * t) + 0.4 * sin(2 * .pi * 3 * humF * t)) }
                if chord > 0 { v += chord * ramp * notes.reduce(0) { $0 + sin(2 * .pi * $1 * t) } / 3 }
                out[i + k] = v
            }
            level = target
            i += length
        }
        return out
    }

    /// The label of the model window ending with frame `k` (frames of 512
    /// samples; the window holds samples `(k - 30) * 512 ..< (k + 1) * 512`):
    /// the wakeword when one lies wholly inside (50 ms of its onset may be
    /// cut); ambiguous when a wakeword lacks at most its last 0.25 s or its
    /// first 0.15 s; unknown when another word (or a wakeword cut further)
    /// fills 0.1 s of it, or half of itself; silence otherwise.
    public static func label(frame k: Int, words: [Word]) -> UInt8 {
        let hop = StreamingFrontEnd.hopLength
        let lo = (k - StreamingFrontEnd.modelFrames) * hop, hi = (k + 1) * hop
        var label = labelSilence
        for w in words where w.end > lo && w.start < hi {
            if w.isWakeword {
                if w.start >= lo - 800 && w.end <= hi { return labelWakeword }
                if (w.end > hi && w.end - hi <= 4000 && w.start >= lo - 800) || (w.start < lo && lo - w.start <= 2400 && w.end <= hi) {
                    label = labelAmbiguous
                    continue
                }
            }
            let overlap = min(w.end, hi) - max(w.start, lo)
            if label != labelAmbiguous && (overlap >= 1600 || 2 * overlap >= w.end - w.start) { label = labelUnknown }
        }
        return label
    }

    /// Every frame's 30 × 40 model input (features quantised with
    /// ``featureScale``) and its label, as a DUT computes them from `start`.
    public static func windows(_ stream: Stream) -> (inputs: [Int8], labels: [UInt8]) {
        var frontEnd = StreamingFrontEnd(inputScale: featureScale)
        frontEnd.start()
        let hop = StreamingFrontEnd.hopLength
        var inputs: [Int8] = [], labels: [UInt8] = []
        for k in 0..<(stream.samples.count / hop) {
            frontEnd.eval(stream.samples[(k * hop)..<((k + 1) * hop)])
            inputs += frontEnd.modelInput
            labels.append(label(frame: k, words: stream.words))
        }
        return (inputs, labels)
    }

    /// A 16-bit PCM WAV of `samples` on `channels` equal channels.
    public static func wav(_ samples: [Int16], channels: Int = 2) -> [UInt8] {
        var bytes: [UInt8] = []
        func u32(_ v: Int) { for b in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * b))) } }
        func u16(_ v: Int) { for b in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * b))) } }
        let data = samples.count * 2 * channels
        bytes += Array("RIFF".utf8); u32(36 + data); bytes += Array("WAVEfmt ".utf8)
        u32(16); u16(1); u16(channels); u32(sampleRate); u32(sampleRate * 2 * channels); u16(2 * channels); u16(16)
        bytes += Array("data".utf8); u32(data)
        bytes.reserveCapacity(bytes.count + data)
        for s in samples { for _ in 0..<channels { u16(Int(s)) } }
        return bytes
    }

    /// The truth file in the runner's format (one stream).
    public static func truthJSON(wavFile: String, _ stream: Stream) -> String {
        let windows = stream.windows.map { "[\($0.start), \($0.stop)]" }.joined(separator: ", ")
        return """
        [
          {
            "wav_file": "\(wavFile)",
            "sample_rate": \(sampleRate),
            "length_sec": \(stream.seconds),
            "detection_windows": [\(windows)]
          }
        ]

        """
    }

    /// Writes `<root>/sww01/`: for the test split the demo stream and its truth
    /// file (and with `windows`, its frames' inputs and labels); for the train
    /// split `count` training streams' frame inputs and labels
    /// (`windows.bin`: 1,200 int8 per frame; `labels.bin`: one byte per frame).
    public static func write(split: DemoSplit, count: Int, windows: Bool, to root: URL) throws -> String {
        let dir = root.appendingPathComponent("sww01")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var inputs: [Int8] = [], labels: [UInt8] = []
        var summary: String
        switch split {
        case .test:
            let stream = try demoStream()
            try Data(wav(stream.samples)).write(to: dir.appendingPathComponent(demoWAV))
            try Data(truthJSON(wavFile: demoWAV, stream).utf8).write(to: dir.appendingPathComponent(demoTruth))
            summary = "\(demoWAV): \(stream.seconds) s, \(stream.windows.count) wakewords, \(stream.words.count - stream.windows.count) other words"
            summary += " (" + stream.words.map { "\($0.text) \(String(format: "%.2f", Double($0.start) / 16_000))" }.joined(separator: ", ") + " s)"
            if windows { (inputs, labels) = Self.windows(stream) }
        case .train:
            for i in 0..<count {
                let w = Self.windows(try trainingStream(i))
                inputs += w.inputs; labels += w.labels
            }
            summary = "\(count) training streams"
        }
        if !labels.isEmpty {
            try Data(inputs.map { UInt8(bitPattern: $0) }).write(to: dir.appendingPathComponent("windows.bin"))
            try Data(labels).write(to: dir.appendingPathComponent("labels.bin"))
            let c = [labelWakeword, labelSilence, labelUnknown, labelAmbiguous].map { l in labels.count { $0 == l } }
            summary += "; \(labels.count) frames: \(c[0]) wakeword, \(c[1]) silence, \(c[2]) unknown, \(c[3]) ambiguous"
        }
        return summary
    }
}
