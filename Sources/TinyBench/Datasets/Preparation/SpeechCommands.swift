import Foundation

/// Speech Commands v2 as the MLPerf Tiny kws01 benchmark uses it: ten words,
/// silence and unknown, in the reference's label order.
public enum SpeechCommands {
    /// Label order of the reference (get_dataset.py / make_bin_files.py).
    public static let labels = ["Down", "Go", "Left", "No", "Off", "On", "Right", "Stop", "Up", "Yes", "Silence", "Unknown"]
    static let words = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]

    /// One clip to convert: its source, label, and (for silence cut from a
    /// background recording) the sample range to use.
    public struct Clip: Sendable {
        public var path: String
        public var label: Int
        public var range: Range<Int>?
    }

    /// The clips of a Speech Commands folder, sorted by path so the output is
    /// reproducible. Two layouts are understood: the separate test archive
    /// (`speech_commands_test_set_v0.02`: the ten word folders plus
    /// `_silence_` and `_unknown_`), which is what the MLPerf Tiny test set was
    /// drawn from; and the full archive, where `testing_list.txt` selects the
    /// test clips, other words become unknown, and silence is every whole
    /// second of the `_background_noise_` recordings.
    public static func clips(in root: URL) throws(PreparationError) -> [Clip] {
        let fm = FileManager.default
        func wavs(_ folder: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? [])
                .filter { $0.lowercased().hasSuffix(".wav") }.sorted().map { "\(folder)/\($0)" }
        }
        var clips = [Clip]()
        if fm.fileExists(atPath: root.appendingPathComponent("_silence_").path) || fm.fileExists(atPath: root.appendingPathComponent("_unknown_").path) {
            for (label, folder) in (words + ["_silence_", "_unknown_"]).enumerated() {
                clips += wavs(folder).map { Clip(path: root.appendingPathComponent($0).path, label: label) }
            }
        } else {
            let list = root.appendingPathComponent("testing_list.txt")
            guard let text = try? String(contentsOf: list, encoding: .utf8) else {
                throw .badSource(root.path, "neither the test archive's _silence_/_unknown_ folders nor testing_list.txt is there")
            }
            for line in text.split(whereSeparator: \.isNewline).map(String.init).sorted() where line.hasSuffix(".wav") {
                let word = String(line.prefix { $0 != "/" })
                clips.append(Clip(path: root.appendingPathComponent(line).path, label: words.firstIndex(of: word) ?? 11))
            }
            for noise in wavs("_background_noise_") {
                let path = root.appendingPathComponent(noise).path
                let wav = try WAVFile(contentsOf: URL(fileURLWithPath: path))
                let seconds = wav.samples.count / KWSFrontEnd.clipSamples
                for s in 0..<seconds {
                    clips.append(Clip(path: path, label: 10, range: s * KWSFrontEnd.clipSamples..<(s + 1) * KWSFrontEnd.clipSamples))
                }
            }
            clips.sort { ($0.label, $0.path, $0.range?.lowerBound ?? 0) < ($1.label, $1.path, $1.range?.lowerBound ?? 0) }
        }
        guard !clips.isEmpty else { throw .badSource(root.path, "no .wav files found") }
        return clips
    }
}
