import Foundation

/// Affine quantization of a tensor: `real = scale * (q - zeroPoint)`, per tensor
/// (one scale) or per channel along `quantizedDimension`.
public struct Quantization: Sendable, Equatable {
    public var scales: [Float]
    public var zeroPoints: [Int64]
    public var quantizedDimension: Int

    public init(scales: [Float], zeroPoints: [Int64], quantizedDimension: Int = 0) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.quantizedDimension = quantizedDimension
    }

    public var isPerChannel: Bool { scales.count > 1 }
    /// The first (per-tensor) scale.
    public var scale: Float { scales[0] }
    /// The first (per-tensor) zero point.
    public var zeroPoint: Int32 { Int32(truncatingIfNeeded: zeroPoints.first ?? 0) }
}

/// One tensor of a subgraph, with its constant data when it has any.
public struct Tensor: Sendable {
    public let index: Int
    public let name: String
    public let type: ElementType
    public let shape: [Int]
    public let buffer: Int
    public let quantization: Quantization?
    public let isVariable: Bool
    /// Constant contents (little-endian, row-major), nil for activations.
    public let data: ArraySlice<UInt8>?

    public var elementCount: Int { shape.reduce(1, *) }
    /// Size in bytes; every tensor that reaches the runtime has a sized type.
    public var byteCount: Int { elementCount * (type.byteSize ?? 0) }
    public var isConstant: Bool { data != nil }

    /// The quantization of an int8/int16 activation, or a descriptive error.
    public func requireQuantization(_ context: @autoclosure () -> String) throws(ModelError) -> Quantization {
        guard let q = quantization, !q.scales.isEmpty else {
            throw .invalid("\(context()): tensor \(index) '\(name)' has no quantization parameters")
        }
        return q
    }
}

/// Builtin options of the operators the runtime interprets.
public enum OperatorOptions: Sendable {
    case none
    case conv2D(padding: Padding, strideW: Int, strideH: Int, dilationW: Int, dilationH: Int, activation: FusedActivation)
    case depthwiseConv2D(padding: Padding, strideW: Int, strideH: Int, depthMultiplier: Int, dilationW: Int, dilationH: Int, activation: FusedActivation)
    case pool2D(padding: Padding, strideW: Int, strideH: Int, filterW: Int, filterH: Int, activation: FusedActivation)
    case fullyConnected(activation: FusedActivation, weightsFormat: Int8, keepNumDims: Bool, asymmetricQuantizeInputs: Bool)
    case softmax(beta: Float)
    case concatenation(axis: Int, activation: FusedActivation)
    case add(activation: FusedActivation)
    case mul(activation: FusedActivation)
    case reshape(newShape: [Int]?)
    case reducer(keepDims: Bool)
    /// An options table of a type the runtime does not interpret (schema union type number).
    case other(type: UInt8)

    /// The fused activation, for operators that have one.
    public var activation: FusedActivation {
        switch self {
        case .conv2D(_, _, _, _, _, let a), .depthwiseConv2D(_, _, _, _, _, _, let a), .pool2D(_, _, _, _, _, let a),
             .fullyConnected(let a, _, _, _), .concatenation(_, let a), .add(let a), .mul(let a):
            a
        default: .none
        }
    }
}

/// One operator of a subgraph.
public struct Operator: Sendable {
    public let index: Int
    public let code: BuiltinOperator
    public let version: Int
    /// Custom operator name when `code` is CUSTOM.
    public let customCode: String?
    /// Tensor indices; -1 marks an omitted optional input.
    public let inputs: [Int]
    public let outputs: [Int]
    public let options: OperatorOptions

    /// "operator 3 (CONV_2D)", the way errors name an operator.
    public var label: String {
        if let customCode { return "operator \(index) (CUSTOM '\(customCode)')" }
        return "operator \(index) (\(code))"
    }
}

/// A subgraph: tensors, operators in execution order, inputs and outputs.
public struct Subgraph: Sendable {
    public let name: String
    public let tensors: [Tensor]
    public let operators: [Operator]
    public let inputs: [Int]
    public let outputs: [Int]
}

/// A parsed `.tflite` model.
public struct Model: Sendable {
    public let version: UInt32
    public let description: String
    public let subgraphs: [Subgraph]
    /// Metadata entries: name and the raw bytes of the buffer they refer to.
    public let metadata: [(name: String, data: ArraySlice<UInt8>)]
    /// Size of the flatbuffer in bytes.
    public let byteCount: Int

    /// The subgraph that inference runs (the first one).
    public var main: Subgraph { subgraphs[0] }

    /// Reads a model file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError.badInput("cannot read model \(url.path): \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data))
    }

    /// Parses a model from its flatbuffer bytes; throws ``ModelError`` on any inconsistency.
    public init(bytes: [UInt8]) throws(ModelError) {
        self = try ModelParser(bytes: bytes).parse()
    }

    init(version: UInt32, description: String, subgraphs: [Subgraph], metadata: [(name: String, data: ArraySlice<UInt8>)], byteCount: Int) {
        self.version = version
        self.description = description
        self.subgraphs = subgraphs
        self.metadata = metadata
        self.byteCount = byteCount
    }
}
