/// DEPTHWISE_CONV_2D, int8, per-channel weights on axis 3, any depth multiplier.
///
/// Arithmetic of TFLM's reference `DepthwiseConvPerChannel`: output channel
/// `c * multiplier + m` accumulates `(x[c] - inputZeroPoint) · w[ky][kx][c*multiplier+m]`
/// over the in-bounds taps, adds its bias, and is requantized per channel.
/// Eval first widens the input to float with the zero point removed (channels
/// repeated `multiplier` times), then accumulates eight output channels at a
/// time along the contiguous channel axis; sums of up to
/// ``ExactGEMM/maxExactTerms`` taps are exact in float (see ``ExactGEMM``).
final class DepthwiseConv2D: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Float>     // [ky][kx][channelsPadded]
    private let bias: Scratch<Int32>        // [channelsPadded]
    private let requantizers: [Requantizer]
    private let widened: Scratch<Float>     // [y][x][channelsPadded]
    private let accumulators: Scratch<Int32>
    private let inputZeroPoint: Float
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, multiplier: Int, channels: Int, channelsPadded: Int

    static func prepare(_ c: KernelContext) throws(ModelError) -> DepthwiseConv2D {
        guard case let .depthwiseConv2D(padding, strideW, strideH, depthMultiplier, dilationW, dilationH, activation) = c.op.options else {
            throw c.unsupported("expected DepthwiseConv2DOptions")
        }
        let input = try c.input(0), filter = try c.input(1), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(filter, .int8, role: "filter")
        try c.requireType(output, .int8, role: "output")
        try c.requireRank(input, 4, role: "input")
        try c.requireRank(filter, 4, role: "filter")
        try c.requireRank(output, 4, role: "output")
        let (kh, kw, oc) = (filter.shape[1], filter.shape[2], filter.shape[3])
        let ic = input.shape[3]
        try c.require(filter.shape[0] == 1, "filter shape \(filter.shape) must start with 1")
        try c.require(ic > 0 && oc % ic == 0, "\(oc) output channels is not a multiple of \(ic) input channels")
        let multiplier = oc / ic
        // The options' multiplier is advisory in TFLM (derived from shapes); a
        // contradicting value is still a broken model.
        try c.require(depthMultiplier == 0 || depthMultiplier == multiplier,
                      "depth_multiplier \(depthMultiplier) contradicts \(ic) -> \(oc) channels")
        try SpatialGeometry.validate(filter: kh, stride: strideH, dilation: dilationH, c)
        try SpatialGeometry.validate(filter: kw, stride: strideW, dilation: dilationW, c)
        let h = SpatialGeometry(input: input.shape[1], filter: kh, stride: strideH, dilation: dilationH, padding: padding)
        let w = SpatialGeometry(input: input.shape[2], filter: kw, stride: strideW, dilation: dilationW, padding: padding)
        try c.requireShape(output, [input.shape[0], h.output, w.output, oc], role: "output")
        let fq = try filter.requireQuantization(c.op.label)
        try c.require(fq.zeroPoints.allSatisfy { $0 == 0 }, "filter zero points must be 0")
        try c.require(!fq.isPerChannel || fq.quantizedDimension == 3, "per-channel filter must be quantized on axis 3")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)

        let padded = ExactGEMM.paddedChannels(oc)
        let raw = try c.int8Constant(filter)
        var packed = [Float](repeating: 0, count: kh * kw * padded)
        for tap in 0..<(kh * kw) {
            for ch in 0..<oc { packed[tap * padded + ch] = Float(raw[tap * oc + ch]) }
        }
        return DepthwiseConv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(packed, padding: 0),
            bias: Scratch(try c.bias(at: 2, channels: oc) + [Int32](repeating: 0, count: padded - oc), padding: 0),
            requantizers: try c.channelRequantizers(input: input, filter: filter, output: output, channels: oc),
            widened: Scratch(count: input.shape[1] * input.shape[2] * padded, value: 0),
            accumulators: Scratch(count: padded, value: 0),
            inputZeroPoint: Float(iq.zeroPoint), outputZeroPoint: oq.zeroPoint,
            range: FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint),
            h: h, w: w, batches: input.shape[0], inChannels: ic, multiplier: multiplier, channels: oc, channelsPadded: padded)
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Float>,
                 bias: Scratch<Int32>, requantizers: [Requantizer], widened: Scratch<Float>, accumulators: Scratch<Int32>,
                 inputZeroPoint: Float, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 h: SpatialGeometry, w: SpatialGeometry, batches: Int, inChannels: Int, multiplier: Int,
                 channels: Int, channelsPadded: Int) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantizers = requantizers
        self.widened = widened
        self.accumulators = accumulators
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.range = range
        self.h = h
        self.w = w
        self.batches = batches
        self.inChannels = inChannels
        self.multiplier = multiplier
        self.channels = channels
        self.channelsPadded = channelsPadded
    }

    func eval() {
        let cp = channelsPadded
        let acc = accumulators.pointer
        let accRaw = UnsafeMutableRawPointer(acc)
        let biasRaw = UnsafeRawPointer(bias.pointer)
        let xw = UnsafeRawPointer(widened.pointer)
        let wr = UnsafeRawPointer(weights.pointer)
        let lanes = ExactGEMM.lanes
        var out = output
        requantizers.withUnsafeBufferPointer { rq in
            for b in 0..<batches {
                widen(input + b * h.input * w.input * inChannels)
                for oy in 0..<h.output {
                    let y0 = oy * h.stride - h.padBefore
                    let rows = max(y0, 0)..<min(y0 + (h.filter - 1) * h.dilation + 1, h.input)
                    for ox in 0..<w.output {
                        let x0 = ox * w.stride - w.padBefore
                        var c = 0
                        while c < cp {
                            var total = biasRaw.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self)
                            var sum = ExactGEMM.Vector()
                            var terms = 0
                            for ky in 0..<h.filter {
                                let y = y0 + ky * h.dilation
                                guard rows.contains(y) else { continue }
                                for kx in 0..<w.filter {
                                    let x = x0 + kx * w.dilation
                                    guard x >= 0 && x < w.input else { continue }
                                    let xv = xw.loadUnaligned(fromByteOffset: ((y * w.input + x) * cp + c) * 4, as: ExactGEMM.Vector.self)
                                    let wv = wr.loadUnaligned(fromByteOffset: ((ky * w.filter + kx) * cp + c) * 4, as: ExactGEMM.Vector.self)
                                    sum += xv * wv
                                    terms += 1
                                    if terms == ExactGEMM.maxExactTerms {
                                        total &+= ExactGEMM.toInt32(sum)
                                        sum = ExactGEMM.Vector()
                                        terms = 0
                                    }
                                }
                            }
                            accRaw.storeBytes(of: total &+ ExactGEMM.toInt32(sum), toByteOffset: c * 4, as: SIMD8<Int32>.self)
                            c += lanes
                        }
                        for o in 0..<channels {
                            let v = rq[o].apply(acc[o]) &+ outputZeroPoint
                            out[o] = Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
                        }
                        out += channels
                    }
                }
            }
        }
    }

    /// Input pixel channels as float minus the zero point, each repeated `multiplier` times.
    private func widen(_ image: UnsafePointer<Int8>) {
        let zp = inputZeroPoint
        let pixels = h.input * w.input
        var dst = widened.pointer
        var src = image
        if multiplier == 1 {
            for _ in 0..<pixels {
                for ch in 0..<inChannels { dst[ch] = Float(src[ch]) - zp }
                src += inChannels
                dst += channelsPadded
            }
            return
        }
        for _ in 0..<pixels {
            for ch in 0..<inChannels {
                let v = Float(src[ch]) - zp
                for m in 0..<multiplier { dst[ch * multiplier + m] = v }
            }
            src += inChannels
            dst += channelsPadded
        }
    }
}
