/// Everything that can go wrong between a `.tflite` file and a prepared interpreter.
///
/// Each case carries a sentence that names what was expected and where, so the
/// CLI can print it as one line.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not a well-formed TFLite flatbuffer.
    case malformed(String)
    /// The model is well-formed but uses a tensor type this runtime does not run.
    case unsupportedType(String)
    /// The model uses an operator (or an operator variant) this runtime does not run.
    case unsupportedOperator(String)
    /// The model's tensors, shapes or quantization do not fit its operators.
    case invalid(String)
    /// Input or output access with the wrong size or index.
    case badInput(String)

    public var description: String {
        switch self {
        case .malformed(let s): "malformed model: \(s)"
        case .unsupportedType(let s): "unsupported tensor type: \(s)"
        case .unsupportedOperator(let s): "unsupported operator: \(s)"
        case .invalid(let s): "invalid model: \(s)"
        case .badInput(let s): s
        }
    }
}
