/// FULLY_CONNECTED, int8 input/output, int8 weights `[units][depth]`, int32 bias.
///
/// Arithmetic of TFLM's reference int8 `FullyConnected`: per row,
/// `bias + Σ (x - inputZeroPoint) · w`, one requantizer for the whole tensor
/// (TFLite's `GetQuantizedConvolutionMultipler`: the input and filter scales
/// are multiplied in float, then divided by the output scale in double), then
/// the output zero point and the activation clamp. The sums run through
/// ``ExactGEMM`` on transposed float weights.
final class FullyConnected: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<StreamedWeight>   // [depth][paddedUnits]
    private let bias: Scratch<Int32>         // [paddedUnits]
    private let requantization: ChannelRequantization
    private let rows: Scratch<Float>         // [4][depth]
    private let accumulators: Scratch<Int32> // [4][paddedUnits]
    private let inputZeroPoint: Int32
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let batches: Int, depth: Int, units: Int, paddedUnits: Int
    private(set) var plan: LayerPlan?

    static func prepare(_ c: KernelContext) throws(ModelError) -> FullyConnected {
        guard case let .fullyConnected(activation, weightsFormat, _, asymmetric) = c.op.options else {
            throw c.unsupported("expected FullyConnectedOptions")
        }
        guard weightsFormat == 0 else { throw c.unsupported("shuffled weights format \(weightsFormat)") }
        guard !asymmetric else { throw c.unsupported("asymmetric_quantize_inputs (hybrid) mode") }
        let input = try c.input(0), filter = try c.input(1), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(filter, .int8, role: "filter")
        try c.requireType(output, .int8, role: "output")
        try c.requireRank(filter, 2, role: "filter")
        let (units, depth) = (filter.shape[0], filter.shape[1])
        try c.require(depth > 0 && input.elementCount % depth == 0,
                      "input of \(input.elementCount) elements is not a multiple of the filter depth \(depth)")
        let batches = input.elementCount / depth
        try c.require(output.elementCount == batches * units,
                      "output has \(output.elementCount) elements, expected \(batches) x \(units)")
        let iq = try input.requireQuantization(c.op.label)
        let fq = try filter.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        try c.require(fq.zeroPoints.allSatisfy { $0 == 0 }, "filter zero points must be 0")
        let requantizers: [Requantizer]
        if fq.isPerChannel {
            try c.require(fq.scales.count == units, "filter has \(fq.scales.count) scales for \(units) units")
            requantizers = try c.channelRequantizers(input: input, filter: filter, output: output, channels: units)
        } else {
            let product = Double(iq.scale * fq.scale)
            requantizers = [Requantizer](repeating: Requantizer(real: product / Double(oq.scale)), count: units)
        }
        let padded = ExactGEMM.paddedChannels(units)
        let range = FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint)
        let kernel = FullyConnected(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(ExactGEMM.packTransposed(try c.int8Constant(filter), channels: units, depth: depth, as: StreamedWeight.self), padding: 0),
            bias: Scratch(try c.bias(at: 2, channels: units) + [Int32](repeating: 0, count: padded - units), padding: 0),
            requantization: ChannelRequantization(requantizers),
            rows: Scratch(count: 4 * depth, value: 0), accumulators: Scratch(count: 4 * padded, value: 0),
            inputZeroPoint: iq.zeroPoint, outputZeroPoint: oq.zeroPoint, range: range,
            batches: batches, depth: depth, units: units, paddedUnits: padded)
        kernel.plan = .fullyConnected(FullyConnectedPlan(
            input: input.index, weights: filter.index, bias: c.optionalInput(2)?.index, output: output.index,
            batches: batches, depth: depth, units: units, inputZeroPoint: iq.zeroPoint, outputZeroPoint: oq.zeroPoint,
            activationMin: range.min, activationMax: range.max, multipliers: requantizers.map(FixedPointMultiplier.init)))
        return kernel
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<StreamedWeight>,
                 bias: Scratch<Int32>, requantization: ChannelRequantization, rows: Scratch<Float>, accumulators: Scratch<Int32>,
                 inputZeroPoint: Int32, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 batches: Int, depth: Int, units: Int, paddedUnits: Int) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantization = requantization
        self.rows = rows
        self.accumulators = accumulators
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.range = range
        self.batches = batches
        self.depth = depth
        self.units = units
        self.paddedUnits = paddedUnits
    }

    func eval() {
        let x = rows.pointer
        let acc = accumulators.pointer
        var b = 0
        while b < batches {
            let count = min(4, batches - b)
            let src = input + b * depth
            ExactGEMM.widen(src, to: x, count: count * depth, zeroPoint: inputZeroPoint)
            ExactGEMM.multiply(x, xStride: depth, rows: count, depth: depth, weights.pointer,
                               channels: paddedUnits, bias: bias.pointer, out: acc)
            requantization.requantize(acc, rows: count, accStride: paddedUnits, count: units, zeroPoint: outputZeroPoint,
                                      range: range, into: output + b * units, outStride: units)
            b += count
        }
    }
}
