/// CONV_2D, int8 activations, int8 per-channel (or per-tensor) weights, int32 bias.
///
/// Arithmetic of TFLM's reference `ConvPerChannel`: the accumulator is
/// `bias + Σ (x - inputZeroPoint) · w`, requantized per output channel and
/// clamped to the fused activation's range. Padding positions contribute zero.
/// Eval widens the input once to float with the zero point removed, gathers
/// the receptive fields of up to four output pixels (1x1 stride-1 convolutions
/// read the widened input in place) and multiplies them with the transposed
/// weights through ``ExactGEMM``.
final class Conv2D: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Float>        // [k][paddedChannels]
    private let bias: Scratch<Int32>           // [paddedChannels]
    private let requantizers: [Requantizer]
    private let widened: Scratch<Float>        // [y][x][inChannels]
    private let patches: Scratch<Float>        // [4][patchLength]
    private let accumulators: Scratch<Int32>   // [4][paddedChannels]
    private let inputZeroPoint: Int32
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, outChannels: Int, paddedChannels: Int, patchLength: Int
    /// Whether every receptive field is one input pixel (1x1, stride 1, no padding).
    private let pointwise: Bool
    private(set) var plan: LayerPlan?

    static func prepare(_ c: KernelContext) throws(ModelError) -> Conv2D {
        guard case let .conv2D(padding, strideW, strideH, dilationW, dilationH, activation) = c.op.options else {
            throw c.unsupported("expected Conv2DOptions")
        }
        let input = try c.input(0), filter = try c.input(1), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(filter, .int8, role: "filter")
        try c.requireType(output, .int8, role: "output")
        try c.requireRank(input, 4, role: "input")
        try c.requireRank(filter, 4, role: "filter")
        try c.requireRank(output, 4, role: "output")
        let (oc, kh, kw, ic) = (filter.shape[0], filter.shape[1], filter.shape[2], filter.shape[3])
        try c.require(input.shape[3] == ic, "input has \(input.shape[3]) channels, filter expects \(ic) (grouped convolution is not supported)")
        try SpatialGeometry.validate(filter: kh, stride: strideH, dilation: dilationH, c)
        try SpatialGeometry.validate(filter: kw, stride: strideW, dilation: dilationW, c)
        let h = SpatialGeometry(input: input.shape[1], filter: kh, stride: strideH, dilation: dilationH, padding: padding)
        let w = SpatialGeometry(input: input.shape[2], filter: kw, stride: strideW, dilation: dilationW, padding: padding)
        try c.requireShape(output, [input.shape[0], h.output, w.output, oc], role: "output")
        let fq = try filter.requireQuantization(c.op.label)
        try c.require(fq.zeroPoints.allSatisfy { $0 == 0 }, "filter zero points must be 0")
        let oq = try output.requireQuantization(c.op.label)
        let iq = try input.requireQuantization(c.op.label)

        let length = kh * kw * ic
        let padded = ExactGEMM.paddedChannels(oc)
        let bias = try c.bias(at: 2, channels: oc)
        let requantizers = try c.channelRequantizers(input: input, filter: filter, output: output, channels: oc)
        let range = FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint)
        let kernel = Conv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(ExactGEMM.packTransposed(try c.int8Constant(filter), channels: oc, depth: length, as: Float.self), padding: 0),
            bias: Scratch(bias + [Int32](repeating: 0, count: padded - oc), padding: 0),
            requantizers: requantizers,
            widened: Scratch(count: input.shape[1] * input.shape[2] * ic, value: 0),
            patches: Scratch(count: 4 * length, value: 0), accumulators: Scratch(count: 4 * padded, value: 0),
            inputZeroPoint: iq.zeroPoint, outputZeroPoint: oq.zeroPoint, range: range,
            h: h, w: w, batches: input.shape[0], inChannels: ic, outChannels: oc, paddedChannels: padded,
            patchLength: length, pointwise: kh == 1 && kw == 1 && strideH == 1 && strideW == 1)
        kernel.plan = .convolution(ConvolutionPlan(c, geometry: (h, w), batches: input.shape[0], depthMultiplier: 0,
                                                   zeroPoints: (iq.zeroPoint, oq.zeroPoint), range: range, requantizers: requantizers))
        return kernel
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Float>,
                 bias: Scratch<Int32>, requantizers: [Requantizer], widened: Scratch<Float>, patches: Scratch<Float>,
                 accumulators: Scratch<Int32>, inputZeroPoint: Int32, outputZeroPoint: Int32,
                 range: (min: Int32, max: Int32), h: SpatialGeometry, w: SpatialGeometry, batches: Int,
                 inChannels: Int, outChannels: Int, paddedChannels: Int, patchLength: Int, pointwise: Bool) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantizers = requantizers
        self.widened = widened
        self.patches = patches
        self.accumulators = accumulators
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.range = range
        self.h = h
        self.w = w
        self.batches = batches
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.paddedChannels = paddedChannels
        self.patchLength = patchLength
        self.pointwise = pointwise
    }

    func eval() {
        let pixels = h.output * w.output
        let xf = widened.pointer
        let acc = accumulators.pointer
        requantizers.withUnsafeBufferPointer { rq in
            for b in 0..<batches {
                let image = input + b * h.input * w.input * inChannels
                ExactGEMM.widen(image, to: xf, count: h.input * w.input * inChannels, zeroPoint: inputZeroPoint)
                let out = output + b * pixels * outChannels
                var p = 0
                while p < pixels {
                    let rows = min(4, pixels - p)
                    let x: UnsafePointer<Float>
                    if pointwise {
                        x = UnsafePointer(xf + p * inChannels)
                    } else {
                        for r in 0..<rows { gather(pixel: p + r, into: patches.pointer + r * patchLength) }
                        x = UnsafePointer(patches.pointer)
                    }
                    ExactGEMM.multiply(x, xStride: patchLength, rows: rows, depth: patchLength, weights.pointer,
                                       channels: paddedChannels, bias: bias.pointer, out: acc)
                    for r in 0..<rows {
                        Requantizer.requantize(acc + r * paddedChannels, count: outChannels, with: rq,
                                               zeroPoint: outputZeroPoint, range: range, into: out + (p + r) * outChannels)
                    }
                    p += rows
                }
            }
        }
    }

    /// Copies the receptive field of output pixel `pixel` from the widened
    /// input, padding positions as 0, in filter order (ky, kx, channel).
    @inline(__always)
    private func gather(pixel: Int, into patch: UnsafeMutablePointer<Float>) {
        let ic = inChannels
        let oy = pixel / w.output, ox = pixel % w.output
        let y0 = oy * h.stride - h.padBefore
        let x0 = ox * w.stride - w.padBefore
        var dst = patch
        for ky in 0..<h.filter {
            let y = y0 + ky * h.dilation
            let rowInside = y >= 0 && y < h.input
            for kx in 0..<w.filter {
                let x = x0 + kx * w.dilation
                if rowInside && x >= 0 && x < w.input {
                    let src = widened.pointer + (y * w.input + x) * ic
                    // A call to memmove costs more than copying a few channels.
                    if ic < 16 {
                        for i in 0..<ic { dst[i] = src[i] }
                    } else {
                        dst.update(from: src, count: ic)
                    }
                } else {
                    for i in 0..<ic { dst[i] = 0 }
                }
                dst += ic
            }
        }
    }
}
