import Foundation

/// `tinybench dataset prepare sww`: the runner's sww01 data folder
/// (`benchmark/runner/sww_data_dir`: truth files `sww_*_test.json` and the
/// WAVs they name) checked and copied to `<out>/sww01/`, the folder the
/// interface board's SD card holds (and the emulated board plays from).
///
/// Every WAV a copied truth file names must be what the board plays: 16 kHz,
/// 2 channels, 16-bit PCM, as long as its `length_sec` (to a 4 KiB refill),
/// and every detection window inside it. A truth file whose WAVs are all
/// missing is skipped (the runner ships the JSONs of streams built
/// separately); one with only some of them is an error.
public struct WakewordStreamPreparer {
    public let source: URL
    public let output: URL

    public init(source: URL, output: URL) {
        self.source = source
        self.output = output
    }

    /// The folder written: `<out>/sww01`.
    public var destination: URL { output.appendingPathComponent("sww01") }

    /// What was copied: per truth file, its streams.
    public struct Prepared: Sendable, Equatable {
        public var truthFile: String
        public var streams: [String]

        public init(truthFile: String, streams: [String]) {
            self.truthFile = truthFile
            self.streams = streams
        }
    }

    /// Checks and copies; returns what was copied and the truth files skipped for want of their WAVs.
    public func prepare() throws -> (prepared: [Prepared], skipped: [String]) {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: source.path).sorted()
        } catch {
            throw PreparationError.unreadable(source.path)
        }
        let truthFiles = names.filter { $0.hasSuffix(".json") }
        guard !truthFiles.isEmpty else {
            throw PreparationError.badSource(source.path, "no truth file (*.json, the runner's sww_*_test.json) in the folder")
        }
        if fm.fileExists(atPath: destination.path), let held = try? fm.contentsOfDirectory(atPath: destination.path), !held.isEmpty {
            throw PreparationError.badSource(destination.path, "already holds files; choose another --out")
        }
        var plan = [(truth: String, streams: [WakewordStreamTruth])]()
        var skipped = [String]()
        for file in truthFiles {
            let url = source.appendingPathComponent(file)
            let streams: [WakewordStreamTruth]
            do {
                streams = try WakewordStreamTruth.read(url)
            } catch {
                throw PreparationError.badSource(url.path, "\(error)")
            }
            let present = streams.filter { fm.fileExists(atPath: source.appendingPathComponent($0.wavFile).path) }
            if present.isEmpty {
                skipped.append(file)
                continue
            }
            guard present.count == streams.count else {
                let missing = streams.filter { !fm.fileExists(atPath: source.appendingPathComponent($0.wavFile).path) }.map(\.wavFile)
                throw PreparationError.badSource(url.path, "names WAVs that are not in the folder: \(missing.joined(separator: ", "))")
            }
            for stream in streams { try Self.check(stream, wav: source.appendingPathComponent(stream.wavFile)) }
            plan.append((file, streams))
        }
        guard !plan.isEmpty else {
            throw PreparationError.badSource(source.path, "none of the WAVs the truth files name are in the folder (\(truthFiles.joined(separator: ", ")))")
        }
        try FileIO.createDirectory(destination)
        var copied = Set<String>()
        for (truth, streams) in plan {
            for name in [truth] + streams.map(\.wavFile) where copied.insert(name).inserted {
                do {
                    try fm.copyItem(at: source.appendingPathComponent(name), to: destination.appendingPathComponent(name))
                } catch {
                    throw FileError("copy \(source.appendingPathComponent(name).path) to", destination.path, error)
                }
            }
        }
        return (plan.map { Prepared(truthFile: $0.truth, streams: $0.streams.map(\.wavFile)) }, skipped)
    }

    /// A stream the board can play as its truth file describes it.
    static func check(_ stream: WakewordStreamTruth, wav: URL) throws {
        let audio = try PCM16Audio(contentsOf: wav)
        guard audio.sampleRate == 16_000 else { throw PreparationError.wrongSampleRate(wav.path, found: audio.sampleRate, expected: 16_000) }
        guard audio.channels == 2 else {
            throw PreparationError.badAudio(wav.path, "\(audio.channels) channel(s): the interface board plays 2-channel WAVs (the DUT listens to the left)")
        }
        let seconds = Double(audio.interleaved.count / 2) / 16_000
        // The board drops the last partial 4 KiB refill: 64 ms at most.
        guard abs(seconds - stream.lengthSeconds) <= 0.128 else {
            throw PreparationError.badAudio(wav.path, String(format: "%.3f s long; its truth file says %.3f s", seconds, stream.lengthSeconds))
        }
        if let sampleRate = stream.sampleRate, sampleRate != 16_000 {
            throw PreparationError.badAudio(wav.path, "its truth file gives a sample rate of \(sampleRate) Hz")
        }
        for (i, w) in stream.windows.enumerated() where !(w.start >= 0 && w.start <= w.stop && w.stop <= stream.lengthSeconds + 0.128) {
            throw PreparationError.badAudio(wav.path, "detection window \(i + 1) [\(w.start), \(w.stop)] is not inside the \(stream.lengthSeconds) s stream")
        }
    }
}
