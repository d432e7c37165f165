import TinyBench
import TinyRuntime

/// An sww01 stream played to the reference DUT as the enhanced interface
/// board plays it, emulated: the board sends whole 4 KiB refills of the WAV's
/// data only (its last partial refill is not played: 312 frames of the 10 s
/// stream), the DUT takes the left channel one 512-sample hop at a time
/// through ``StreamingFrontEnd``, runs the model on its 30 × 40 window, and
/// pulses its wakeword pin on the first frame (the sync marker the runner
/// subtracts) and whenever `out[0]` exceeds the threshold (115: 0.95 after
/// dequantisation); there is no debounce on the DUT. The board timestamps
/// each pulse in milliseconds; frame k completes (k + 1) × 32 ms into the
/// playback (the DUT's processing latency is the same for every frame, so it
/// cancels when the runner subtracts the sync marker).
public struct WakewordStreamRun {
    /// Bytes the board reads from the card per refill.
    public static let refillBytes = 4096

    /// What the board recorded.
    public struct Result: Sendable, Equatable {
        /// Frames the DUT processed.
        public var frames: Int
        /// Pulse times in milliseconds after `play`, the sync marker first.
        public var detectionsMilliseconds: [Int]
        /// The wakeword score (`out[0]`) of every frame.
        public var scores: [Int8]
    }

    /// Why a stream cannot be played.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case sampleRate(Int)
        case tooShort(frames: Int)

        public var description: String {
            switch self {
            case .sampleRate(let r): "the stream is sampled at \(r) Hz; sww01 streams are 16000 Hz"
            case .tooShort(let f): "the stream holds \(f) whole frames of 512 samples once cut to 4 KiB refills: nothing to play"
            }
        }
    }

    private var detector: WakewordDetector

    /// A DUT running `model` (the sww01 model: 30 × 40 int8 in, the wakeword score first out).
    public init(model: Model) throws {
        detector = try WakewordDetector(model: model)
    }

    /// Frames the board plays of `audio`: whole 4 KiB refills of its data, 512 samples a frame.
    public static func playedFrames(_ audio: PCM16Audio) throws(Failure) -> Int {
        guard audio.sampleRate == 16_000 else { throw .sampleRate(audio.sampleRate) }
        let played = audio.dataBytes / refillBytes * refillBytes / (2 * audio.channels)
        let frames = played / StreamingFrontEnd.hopLength
        guard frames > 0 else { throw .tooShort(frames: frames) }
        return frames
    }

    /// The left channel of frame `k` of `audio`.
    public static func hop(_ k: Int, of audio: PCM16Audio) -> [Int16] {
        let n = StreamingFrontEnd.hopLength
        return (0..<n).map { audio.interleaved[(k * n + $0) * audio.channels] }
    }

    /// Plays `audio` from `start` (history and model input zeroed) to the last whole refill.
    public mutating func play(_ audio: PCM16Audio) throws -> Result {
        let frames = try Self.playedFrames(audio)
        detector.start()
        var result = Result(frames: frames, detectionsMilliseconds: [], scores: [])
        for k in 0..<frames {
            let frame = try detector.process(Self.hop(k, of: audio))
            result.scores.append(frame.score)
            if frame.pulses {
                result.detectionsMilliseconds.append((k + 1) * StreamingFrontEnd.hopLength * 1000 / audio.sampleRate)
            }
        }
        return result
    }
}
