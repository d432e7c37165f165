import TinyBench
import TinyRuntime

/// What the sww01 reference DUT does with one 512-sample hop of the left
/// channel (`th_process_chunk_and_cont_streaming`): the front end, the model
/// on the 30 × 40 window, and the detection decision. The emulated DUT and
/// ``WakewordStreamRun`` both step through streams with it.
public struct WakewordDetector {
    /// The DUT's detection threshold on the int8 wakeword score: `out[0] > 115`
    /// (0.95 after dequantisation with the reference's 1/256 scale).
    public static let threshold = UARTWakewordStream.threshold

    /// One processed hop.
    public struct Frame: Sendable, Equatable {
        /// The 40 new int8 features.
        public var features: [Int8]
        /// The model's int8 outputs (the wakeword score first).
        public var outputs: [Int8]
        /// Whether the DUT pulses its wakeword pin: on the first frame after
        /// `start` (the sync marker) and whenever the score passes the threshold.
        public var pulses: Bool

        /// The wakeword score, `out[0]`.
        public var score: Int8 { outputs.first ?? .min }
    }

    /// Why a model cannot run the streaming benchmark.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case modelInput(expected: Int, found: Int)
        case modelOutput

        public var description: String {
            switch self {
            case let .modelInput(e, f): "the model takes \(f) input bytes, not the front end's 30 × 40 = \(e)"
            case .modelOutput: "the model has no int8 output to read a wakeword score from"
            }
        }
    }

    public let interpreter: Interpreter
    public private(set) var frontEnd: StreamingFrontEnd
    private var firstFrame = true

    /// A DUT running `model` (the sww01 model: 30 × 40 int8 in, the wakeword score first out).
    public init(model: Model) throws {
        interpreter = try Interpreter(model: model)
        let input = interpreter.inputs[0]
        guard input.byteCount == StreamingFrontEnd.modelInputCount else {
            throw Failure.modelInput(expected: StreamingFrontEnd.modelInputCount, found: input.byteCount)
        }
        frontEnd = StreamingFrontEnd(inputScale: input.quantization?.scale ?? StreamingFrontEnd.referenceInputScale)
    }

    /// `start`: the sample block, the pre-emphasis carry and the model input
    /// are zeroed, and the next frame pulses as the sync marker.
    public mutating func start() {
        frontEnd.start()
        firstFrame = true
    }

    /// Processes one hop of 512 mono samples.
    public mutating func process(_ hop: some Collection<Int16>) throws -> Frame {
        let features = frontEnd.eval(hop)
        try interpreter.setInput(frontEnd.modelInput.lazy.map { UInt8(bitPattern: $0) })
        interpreter.invoke()
        let outputs = try interpreter.output().map { Int8(bitPattern: $0) }
        guard let score = outputs.first else { throw Failure.modelOutput }
        let pulses = firstFrame || score > Self.threshold
        firstFrame = false
        return Frame(features: features, outputs: outputs, pulses: pulses)
    }
}
