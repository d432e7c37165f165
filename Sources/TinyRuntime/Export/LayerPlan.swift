/// An operator after its prepare step, as firmware needs it: tensor indices,
/// shapes and every precomputed quantity (per-channel multipliers and shifts,
/// padding, clamp ranges), with none of the host engine's packing. The
/// kernels fill it in from the values they computed for themselves, so the
/// firmware generator can never derive them differently.
public enum LayerPlan: Sendable, Equatable {
    /// CONV_2D (`depthMultiplier == 0`) or DEPTHWISE_CONV_2D.
    case convolution(ConvolutionPlan)
    case fullyConnected(FullyConnectedPlan)
    case averagePool(PoolPlan)
    case add(AddPlan)
    case softmax(SoftmaxPlan)
    /// RESHAPE: `bytes` copied from `input` to `output`.
    case copy(input: Int, output: Int, bytes: Int)
}

/// `TFLM MultiplyByQuantizedMultiplier` pieces: `x · 2^leftShift`, doubling
/// high multiply by `multiplier`, rounding right shift by `rightShift`.
public struct FixedPointMultiplier: Sendable, Equatable {
    public let multiplier: Int32
    public let leftShift: Int32
    public let rightShift: Int32

    init(_ r: Requantizer) {
        multiplier = r.multiplier
        leftShift = r.leftShift
        rightShift = r.rightShift
    }
}

/// Height, width and channels of an NHWC tensor (batch 1 per inference).
public struct Shape3: Sendable, Equatable {
    public let height: Int, width: Int, channels: Int
}

public struct ConvolutionPlan: Sendable, Equatable {
    public let input: Int, filter: Int, bias: Int?, output: Int
    public let batches: Int
    public let inputShape: Shape3, outputShape: Shape3
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let dilationHeight: Int, dilationWidth: Int
    public let padTop: Int, padLeft: Int
    /// 0 for CONV_2D; output channels per input channel for DEPTHWISE_CONV_2D.
    public let depthMultiplier: Int
    public let inputZeroPoint: Int32, outputZeroPoint: Int32
    public let activationMin: Int32, activationMax: Int32
    /// One per output channel.
    public let multipliers: [FixedPointMultiplier]
}

public struct FullyConnectedPlan: Sendable, Equatable {
    public let input: Int, weights: Int, bias: Int?, output: Int
    public let batches: Int, depth: Int, units: Int
    public let inputZeroPoint: Int32, outputZeroPoint: Int32
    public let activationMin: Int32, activationMax: Int32
    /// One per unit (all equal for per-tensor weights).
    public let multipliers: [FixedPointMultiplier]
}

public struct PoolPlan: Sendable, Equatable {
    public let input: Int, output: Int
    public let batches: Int
    public let inputShape: Shape3, outputShape: Shape3
    public let filterHeight: Int, filterWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padTop: Int, padLeft: Int
    public let activationMin: Int32, activationMax: Int32
}

/// ADD of two same-shape int8 tensors (broadcasting adds are not planned).
public struct AddPlan: Sendable, Equatable {
    public let first: Int, second: Int, output: Int
    public let count: Int
    public let leftShift: Int32
    public let firstOffset: Int32, secondOffset: Int32, outputOffset: Int32
    public let firstMultiplier: FixedPointMultiplier, secondMultiplier: FixedPointMultiplier, outputMultiplier: FixedPointMultiplier
    public let activationMin: Int32, activationMax: Int32
}

public struct SoftmaxPlan: Sendable, Equatable {
    public let input: Int, output: Int
    public let rows: Int, depth: Int
    public let inputMultiplier: Int32, inputLeftShift: Int32
    public let diffMin: Int32
}

extension ConvolutionPlan {
    /// From a convolution's context and the values its prepare step computed.
    init(_ c: KernelContext, geometry: (h: SpatialGeometry, w: SpatialGeometry), batches: Int, depthMultiplier: Int,
         zeroPoints: (input: Int32, output: Int32), range: (min: Int32, max: Int32), requantizers: [Requantizer]) {
        let (h, w) = geometry
        input = c.op.inputs[0]
        filter = c.op.inputs[1]
        bias = c.optionalInput(2)?.index
        output = c.op.outputs[0]
        self.batches = batches
        let inChannels = c.tensors[input].shape[3], outChannels = c.tensors[output].shape[3]
        inputShape = Shape3(height: h.input, width: w.input, channels: inChannels)
        outputShape = Shape3(height: h.output, width: w.output, channels: outChannels)
        kernelHeight = h.filter
        kernelWidth = w.filter
        strideHeight = h.stride
        strideWidth = w.stride
        dilationHeight = h.dilation
        dilationWidth = w.dilation
        padTop = h.padBefore
        padLeft = w.padBefore
        self.depthMultiplier = depthMultiplier
        inputZeroPoint = zeroPoints.input
        outputZeroPoint = zeroPoints.output
        activationMin = range.min
        activationMax = range.max
        multipliers = requantizers.map(FixedPointMultiplier.init)
    }
}
