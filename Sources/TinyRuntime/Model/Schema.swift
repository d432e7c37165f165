/// Enumerations of the TFLite schema that the runtime interprets.
///
/// Values are the schema's own numbers (tensorflow/lite/schema/schema.fbs).

/// Element type of a tensor (`TensorType` in the schema).
public enum ElementType: Int8, Sendable, CustomStringConvertible {
    case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6
    case int16 = 7, complex64 = 8, int8 = 9, float64 = 10, complex128 = 11, uint64 = 12
    case resource = 13, variant = 14, uint32 = 15, uint16 = 16, int4 = 17, bfloat16 = 18

    /// Bytes per element, or nil for types without a fixed byte size.
    public var byteSize: Int? {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64, .complex64: 8
        case .complex128: 16
        case .string, .resource, .variant, .int4: nil
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .int32: "int32"
        case .uint8: "uint8"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .int16: "int16"
        case .complex64: "complex64"
        case .int8: "int8"
        case .float64: "float64"
        case .complex128: "complex128"
        case .uint64: "uint64"
        case .resource: "resource"
        case .variant: "variant"
        case .uint32: "uint32"
        case .uint16: "uint16"
        case .int4: "int4"
        case .bfloat16: "bfloat16"
        }
    }
}

/// Builtin operator code (`BuiltinOperator` in the schema); only named cases
/// for the operators the runtime knows by name, any other code is kept as a number.
public struct BuiltinOperator: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let add = Self(rawValue: 0)
    public static let averagePool2D = Self(rawValue: 1)
    public static let concatenation = Self(rawValue: 2)
    public static let conv2D = Self(rawValue: 3)
    public static let depthwiseConv2D = Self(rawValue: 4)
    public static let dequantize = Self(rawValue: 6)
    public static let fullyConnected = Self(rawValue: 9)
    public static let logistic = Self(rawValue: 14)
    public static let maxPool2D = Self(rawValue: 17)
    public static let mul = Self(rawValue: 18)
    public static let relu = Self(rawValue: 19)
    public static let relu6 = Self(rawValue: 21)
    public static let reshape = Self(rawValue: 22)
    public static let softmax = Self(rawValue: 25)
    public static let custom = Self(rawValue: 32)
    public static let pad = Self(rawValue: 34)
    public static let mean = Self(rawValue: 40)
    public static let padV2 = Self(rawValue: 60)
    public static let quantize = Self(rawValue: 114)
    /// Marks that the real code lives in the extended `builtin_code` field.
    static let placeholderForGreaterOpCodes = Self(rawValue: 127)

    private static let names: [Int32: String] = [
        0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
        5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE", 8: "FLOOR", 9: "FULLY_CONNECTED", 14: "LOGISTIC",
        16: "LSTM", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6",
        22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX", 26: "SPACE_TO_DEPTH", 27: "SVDF", 28: "TANH",
        32: "CUSTOM", 34: "PAD", 36: "GATHER", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV",
        43: "SQUEEZE", 45: "STRIDED_SLICE", 49: "SPLIT", 53: "CAST", 55: "MAXIMUM", 56: "ARG_MAX",
        57: "MINIMUM", 60: "PADV2", 65: "SLICE", 67: "TRANSPOSE_CONV", 70: "EXPAND_DIMS", 74: "SUM",
        83: "PACK", 88: "UNPACK", 97: "RESIZE_NEAREST_NEIGHBOR", 98: "LEAKY_RELU", 114: "QUANTIZE",
        117: "HARD_SWISH", 126: "BATCH_MATMUL",
    ]

    /// The schema's name, e.g. `CONV_2D`, or `BUILTIN_<n>` for codes not listed here.
    public var description: String { Self.names[rawValue] ?? "BUILTIN_\(rawValue)" }
}

/// Padding scheme of convolutions and pools.
public enum Padding: Int8, Sendable, CustomStringConvertible {
    case same = 0, valid = 1
    public var description: String { self == .same ? "SAME" : "VALID" }
}

/// Activation fused into an operator's output.
public enum FusedActivation: Int8, Sendable, CustomStringConvertible {
    case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4, signBit = 5
    public var description: String {
        switch self {
        case .none: "NONE"
        case .relu: "RELU"
        case .reluN1To1: "RELU_N1_TO_1"
        case .relu6: "RELU6"
        case .tanh: "TANH"
        case .signBit: "SIGN_BIT"
        }
    }
}
