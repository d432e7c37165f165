/// CONV_2D, int8 activations, int8 per-channel (or per-tensor) weights, int32 bias.
///
/// Arithmetic of TFLM's reference `ConvPerChannel`: the accumulator is
/// `bias + Σ (x - inputZeroPoint) · w`, requantized per output channel and
/// clamped to the fused activation's range. Padding positions contribute zero.
/// Eval gathers each output pixel's receptive field (zero point removed,
/// padding as 0) into an int16 row and multiplies it with the repacked weights.
final class Conv2D: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Int16>
    private let bias: Scratch<Int32>
    private let requantizers: [Requantizer]
    private let patch: Scratch<Int16>
    private let accumulators: Scratch<Int32>
    private let inputZeroPoint: Int16
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, outChannels: Int, patchLength: Int
    /// Whether every receptive field is one input pixel (1x1, stride 1, no padding).
    private let pointwise: Bool

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
        let padded = DotProduct.paddedLength(length)
        return Conv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(DotProduct.packRows(try c.int8Constant(filter), rows: oc, length: length), padding: 0),
            bias: Scratch(try c.bias(at: 2, channels: oc), padding: 0),
            requantizers: try c.channelRequantizers(input: input, filter: filter, output: output, channels: oc),
            patch: Scratch(count: padded, value: 0), accumulators: Scratch(count: oc, value: 0),
            inputZeroPoint: Int16(iq.zeroPoint), outputZeroPoint: oq.zeroPoint,
            range: FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint),
            h: h, w: w, batches: input.shape[0], inChannels: ic, outChannels: oc, patchLength: padded,
            pointwise: kh == 1 && kw == 1 && strideH == 1 && strideW == 1)
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Int16>,
                 bias: Scratch<Int32>, requantizers: [Requantizer], patch: Scratch<Int16>, accumulators: Scratch<Int32>,
                 inputZeroPoint: Int16, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 h: SpatialGeometry, w: SpatialGeometry, batches: Int, inChannels: Int, outChannels: Int,
                 patchLength: Int, pointwise: Bool) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantizers = requantizers
        self.patch = patch
        self.accumulators = accumulators
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.range = range
        self.h = h
        self.w = w
        self.batches = batches
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.patchLength = patchLength
        self.pointwise = pointwise
    }

    func eval() {
        let patch = self.patch.pointer
        let acc = accumulators.pointer
        let ic = inChannels
        var out = output
        requantizers.withUnsafeBufferPointer { rq in
            for b in 0..<batches {
                let image = input + b * h.input * w.input * ic
                for oy in 0..<h.output {
                    for ox in 0..<w.output {
                        gather(image, oy, ox, into: patch)
                        DotProduct.rows(patch, weights.pointer, length: patchLength, rows: outChannels,
                                        bias: bias.pointer, out: acc)
                        for o in 0..<outChannels {
                            let v = rq[o].apply(acc[o]) &+ outputZeroPoint
                            out[o] = Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
                        }
                        out += outChannels
                    }
                }
            }
        }
    }

    /// Writes the receptive field of output (oy, ox) as int16 `x - zeroPoint`,
    /// padding positions as 0, in filter order (ky, kx, channel).
    @inline(__always)
    private func gather(_ image: UnsafePointer<Int8>, _ oy: Int, _ ox: Int, into patch: UnsafeMutablePointer<Int16>) {
        let ic = inChannels
        let zp = inputZeroPoint
        if pointwise {
            let src = image + (oy * w.input + ox) * ic
            for i in 0..<ic { patch[i] = Int16(src[i]) &- zp }
            return
        }
        let y0 = oy * h.stride - h.padBefore
        let x0 = ox * w.stride - w.padBefore
        var p = patch
        for ky in 0..<h.filter {
            let y = y0 + ky * h.dilation
            let rowInside = y >= 0 && y < h.input
            for kx in 0..<w.filter {
                let x = x0 + kx * w.dilation
                if rowInside && x >= 0 && x < w.input {
                    let src = image + (y * w.input + x) * ic
                    for i in 0..<ic { p[i] = Int16(src[i]) &- zp }
                } else {
                    p.update(repeating: 0, count: ic)
                }
                p += ic
            }
        }
    }
}
