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
    /// The DUT's detection threshold on the int8 wakeword score.
    public static let threshold: Int8 = 115
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
        case modelInput(expected: Int, found: Int)

        public var description: String {
            switch self {
            case .sampleRate(let r): "the stream is sampled at \(r) Hz; sww01 streams are 16000 Hz"
            case .tooShort(let f): "the stream holds \(f) whole frames of 512 samples once cut to 4 KiB refills: nothing to play"
            case let .modelInput(e, f): "the model takes \(f) input bytes, not the front end's 30 × 40 = \(e)"
            }
        }
    }

    public let interpreter: Interpreter
    private var frontEnd: StreamingFrontEnd

    /// A DUT running `model` (the sww01 model: 30 × 40 int8 in, the wakeword score first out).
    public init(model: Model) throws {
        interpreter = try Interpreter(model: model)
        let input = interpreter.inputs[0]
        guard input.byteCount == StreamingFrontEnd.modelInputCount else {
            throw Failure.modelInput(expected: StreamingFrontEnd.modelInputCount, found: input.byteCount)
        }
        frontEnd = StreamingFrontEnd(inputScale: input.quantization?.scale ?? StreamingFrontEnd.referenceInputScale)
    }

    /// Plays `audio` from `start` (history and model input zeroed) to the last whole refill.
    public mutating func play(_ audio: PCM16Audio) throws -> Result {
        guard audio.sampleRate == 16_000 else { throw Failure.sampleRate(audio.sampleRate) }
        let played = audio.dataBytes / Self.refillBytes * Self.refillBytes / (2 * audio.channels)
        let frames = played / StreamingFrontEnd.hopLength
        guard frames > 0 else { throw Failure.tooShort(frames: frames) }
        frontEnd.start()
        var result = Result(frames: frames, detectionsMilliseconds: [], scores: [])
        var hop = [Int16](repeating: 0, count: StreamingFrontEnd.hopLength)
        for k in 0..<frames {
            for i in 0..<hop.count { hop[i] = audio.interleaved[(k * hop.count + i) * audio.channels] }
            frontEnd.eval(hop)
            try interpreter.setInput(frontEnd.modelInput.lazy.map { UInt8(bitPattern: $0) })
            interpreter.invoke()
            let score = Int8(bitPattern: try interpreter.output()[0])
            result.scores.append(score)
            if k == 0 || score > Self.threshold {
                result.detectionsMilliseconds.append((k + 1) * StreamingFrontEnd.hopLength * 1000 / audio.sampleRate)
            }
        }
        return result
    }
}
