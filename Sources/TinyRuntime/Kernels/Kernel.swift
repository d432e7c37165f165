/// An operator after its prepare step: everything that does not depend on the
/// input (multipliers, shifts, padding, repacked weights, data pointers) is
/// fixed, and `eval` only computes. `eval` never allocates.
protocol PreparedKernel: AnyObject {
    func eval()
    /// The prepared parameters for firmware, for the operators the firmware implements.
    var plan: LayerPlan? { get }
}

extension PreparedKernel {
    var plan: LayerPlan? { nil }
}

/// What an operator's prepare step sees: the operator, its tensors, and where
/// each tensor's bytes live (arena for activations, constant storage for weights).
struct KernelContext {
    let op: Operator
    let tensors: [Tensor]
    let pointers: [UnsafeMutableRawPointer?]

    /// The operator's `i`-th input tensor; throws if absent.
    func input(_ i: Int) throws(ModelError) -> Tensor {
        guard i < op.inputs.count, op.inputs[i] >= 0 else {
            throw .invalid("\(op.label) needs input \(i), it has \(op.inputs.count)")
        }
        return tensors[op.inputs[i]]
    }

    /// The `i`-th input when present (optional inputs such as a bias may be -1).
    func optionalInput(_ i: Int) -> Tensor? {
        guard i < op.inputs.count, op.inputs[i] >= 0 else { return nil }
        return tensors[op.inputs[i]]
    }

    func output(_ i: Int) throws(ModelError) -> Tensor {
        guard i < op.outputs.count else {
            throw .invalid("\(op.label) needs output \(i), it has \(op.outputs.count)")
        }
        return tensors[op.outputs[i]]
    }

    /// The tensor's storage as `T`; valid for the interpreter's lifetime.
    func pointer<T>(_ tensor: Tensor, as _: T.Type) -> UnsafeMutablePointer<T> {
        pointers[tensor.index]!.assumingMemoryBound(to: T.self)
    }

    /// Throws unless `condition` holds, with a message naming the operator.
    func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(ModelError) {
        if !condition { throw .invalid("\(op.label): \(message())") }
    }

    func requireType(_ tensor: Tensor, _ types: ElementType..., role: String) throws(ModelError) {
        guard types.contains(tensor.type) else {
            let wanted = types.map(\.description).joined(separator: " or ")
            throw .unsupportedType("\(op.label) \(role) tensor \(tensor.index) '\(tensor.name)' is \(tensor.type), expected \(wanted)")
        }
    }

    /// Constant int32 contents (e.g. a bias), read little-endian.
    func int32Constant(_ tensor: Tensor) throws(ModelError) -> [Int32] {
        guard let data = tensor.data else {
            throw .unsupportedOperator("\(op.label): tensor \(tensor.index) '\(tensor.name)' must be constant")
        }
        var out = [Int32](repeating: 0, count: data.count / 4)
        var p = data.startIndex
        for i in out.indices {
            out[i] = Int32(bitPattern: UInt32(data[p]) | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2]) << 16 | UInt32(data[p + 3]) << 24)
            p += 4
        }
        return out
    }

    /// Constant int8 contents (e.g. weights).
    func int8Constant(_ tensor: Tensor) throws(ModelError) -> [Int8] {
        guard let data = tensor.data else {
            throw .unsupportedOperator("\(op.label): tensor \(tensor.index) '\(tensor.name)' must be constant")
        }
        return data.map { Int8(bitPattern: $0) }
    }

    /// The operator's options, or an error naming what was expected.
    func unsupported(_ what: String) -> ModelError {
        .unsupportedOperator("\(op.label): \(what)")
    }
}

/// Maps an operator code to its prepare step.
enum KernelRegistry {
    static func prepare(_ context: KernelContext) throws(ModelError) -> PreparedKernel {
        switch context.op.code {
        case .conv2D: return try Conv2D.prepare(context)
        case .depthwiseConv2D: return try DepthwiseConv2D.prepare(context)
        case .fullyConnected: return try FullyConnected.prepare(context)
        case .averagePool2D: return try AveragePool2D.prepare(context)
        case .add: return try Add.prepare(context)
        case .softmax: return try Softmax.prepare(context)
        case .reshape: return try Reshape.prepare(context)
        case .mul: return try Mul.prepare(context)
        case .maxPool2D: return try MaxPool2D.prepare(context)
        case .mean: return try Mean.prepare(context)
        case .pad, .padV2: return try Pad.prepare(context)
        case .concatenation: return try Concatenation.prepare(context)
        case .logistic: return try Logistic.prepare(context)
        case .relu: return try Relu.prepare(context)
        case .relu6: return try Relu6.prepare(context)
        case .quantize: return try Quantize.prepare(context)
        case .dequantize: return try Dequantize.prepare(context)
        default:
            throw .unsupportedOperator("\(context.op.label) is not implemented by TinyRuntime")
        }
    }
}
