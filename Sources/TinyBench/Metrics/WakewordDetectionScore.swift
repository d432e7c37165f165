import Foundation

/// The streaming wakeword benchmark's (sww01) accuracy: detections recorded by
/// the interface board scored against the stream's truth windows, exactly as
/// the MLCommons runner's `calc_detection_stats` (benchmark/runner/
/// streaming_ww_utils.py) scores them, which is what published results used:
///
/// - the first detection is the sync marker (the DUT pulses on its first
///   frame); the others are taken relative to it;
/// - windows are taken in the truth file's order; a window is a true positive
///   when any remaining detection lies in [start, stop + 2 × delay] (the
///   runner adds its 1 s false-positive suppression delay twice, where its
///   README describes one second), and every detection in that range is used
///   up by it; otherwise it is a false negative;
/// - the detections left are false positives after a debounce: going through
///   them in order, each one that is kept removes the later ones at most
///   `debounce` after it (strictly later: two detections at the same
///   millisecond both count).
///
/// Comparisons are made in seconds as doubles (milliseconds / 1000), as the
/// runner's numpy code makes them, so boundary cases fall the same way.
public enum WakewordDetectionScore {
    /// The outcome: window starts found and missed, false positives in seconds after the sync marker.
    public struct Result: Sendable, Equatable, Codable {
        public var truePositives: [Double]
        public var falseNegatives: [Double]
        public var falsePositives: [Double]

        /// The line the MLCommons submission checker reads from an sww results.txt.
        public var accuracyLine: String {
            "Accuracy: \(truePositives.count) True positives, \(falseNegatives.count) False negatives, "
                + "\(falsePositives.count) False positives"
        }
    }

    /// Why detections cannot be scored.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case noDetections
        case badWindow(index: Int)

        public var description: String {
            switch self {
            case .noDetections:
                "no detections captured: there must be at least one, the DUT's first-frame pulse that marks the start of the stream"
            case .badWindow(let i):
                "detection window \(i + 1) is not a pair of finite times with start ≤ stop"
            }
        }
    }

    /// The runner's defaults: 1 s false-positive suppression delay, 1 s debounce.
    public static let suppressionDelaySeconds = 1.0
    public static let debounceSeconds = 1.0

    /// Scores `detectionsMilliseconds` (in recording order, the first being the
    /// sync marker) against `windows` ([start, stop] seconds from the stream's start).
    public static func score(detectionsMilliseconds: [Int], windows: [DetectionWindow],
                             suppressionDelay: Double = suppressionDelaySeconds,
                             debounce: Double = debounceSeconds) throws(Failure) -> Result {
        guard let marker = detectionsMilliseconds.first else { throw .noDetections }
        for (i, w) in windows.enumerated() where !(w.start.isFinite && w.stop.isFinite && w.start <= w.stop) {
            throw .badWindow(index: i)
        }
        var remaining = detectionsMilliseconds.dropFirst().map { $0 - marker }
        var result = Result(truePositives: [], falseNegatives: [], falsePositives: [])
        for w in windows {
            // The runner extends the stop once, then compares against stop + delay again.
            let last = (w.stop + suppressionDelay) + suppressionDelay
            let inWindow = { (ms: Int) -> Bool in
                let seconds = Double(ms) / 1000
                return seconds >= w.start && seconds <= last
            }
            if remaining.contains(where: inWindow) {
                result.truePositives.append(w.start)
                remaining.removeAll(where: inWindow)
            } else {
                result.falseNegatives.append(w.start)
            }
        }
        let debounceMilliseconds = Int(debounce * 1000)
        var i = 0
        while i < remaining.count {
            let kept = remaining[i]
            remaining.removeAll { $0 > kept && $0 <= kept + debounceMilliseconds }
            i += 1
        }
        result.falsePositives = remaining.map { Double($0) / 1000 }
        return result
    }
}

/// A span of a stream in which the wakeword is spoken, in seconds from its start.
public struct DetectionWindow: Sendable, Equatable, Codable {
    public var start: Double
    public var stop: Double

    public init(start: Double, stop: Double) {
        self.start = start
        self.stop = stop
    }
}

/// One stream of an sww01 truth file (the runner's `sww_*_test.json`): a list of
/// `{"wav_file", "length_sec", "detection_windows": [[start, stop], ...]}`
/// objects (`sample_rate` optional).
public struct WakewordStreamTruth: Sendable, Equatable, Decodable {
    public var wavFile: String
    public var lengthSeconds: Double
    public var sampleRate: Int?
    public var windows: [DetectionWindow]

    private enum CodingKeys: String, CodingKey {
        case wavFile = "wav_file", lengthSeconds = "length_sec", sampleRate = "sample_rate", windows = "detection_windows"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        wavFile = try c.decode(String.self, forKey: .wavFile)
        lengthSeconds = try c.decode(Double.self, forKey: .lengthSeconds)
        sampleRate = try c.decodeIfPresent(Int.self, forKey: .sampleRate)
        let pairs = try c.decode([[Double]].self, forKey: .windows)
        windows = try pairs.enumerated().map { i, pair in
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: .windows, in: c,
                                                       debugDescription: "detection window \(i + 1) has \(pair.count) values, not [start, stop]")
            }
            return DetectionWindow(start: pair[0], stop: pair[1])
        }
    }

    /// The streams of a truth file; errors name the file.
    public static func read(_ url: URL) throws -> [WakewordStreamTruth] {
        let data = try FileIO.read(url)
        do {
            return try JSONDecoder().decode([WakewordStreamTruth].self, from: data)
        } catch {
            throw WakewordTruthError(path: url.path, underlying: error)
        }
    }
}

/// A truth file that is not the runner's format.
public struct WakewordTruthError: Error, CustomStringConvertible {
    public let path: String
    public let underlying: Error
    public var description: String { "\(path) is not an sww truth file (a list of wav_file, length_sec, detection_windows): \(underlying)" }
}
