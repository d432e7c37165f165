/// DEPTHWISE_CONV_2D, int8, per-channel weights on axis 3, any depth multiplier.
///
/// Arithmetic of TFLM's reference `DepthwiseConvPerChannel`: output channel
/// `c * multiplier + m` accumulates `(x[c] - inputZeroPoint) · w[ky][kx][c*multiplier+m]`
/// over the in-bounds taps, adds its bias, and is requantized per channel.
/// Eval first widens the input to float with the zero point removed (channels
/// repeated `multiplier` times). Then, one output row at a time, it adds each
/// filter tap's contribution to the whole row (the in-bounds pixel range of a
/// tap is computed once, so the inner loop has no bounds checks and runs along
/// contiguous channels); sums of up to ``ExactGEMM/maxExactTerms`` taps are
/// exact in float (see ``ExactGEMM``) and are flushed into int32 after that many.
final class DepthwiseConv2D: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Float>     // [ky][kx][channelsPadded]
    private let bias: Scratch<Int32>        // [channelsPadded]
    private let requantizers: [Requantizer]
    private let widened: Scratch<Float>     // [y][x][channelsPadded]
    private let rowSums: Scratch<Float>     // [outputWidth][channelsPadded]
    private let rowTotals: Scratch<Int32>   // [outputWidth][channelsPadded]
    private let inputZeroPoint: Float
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, multiplier: Int, channels: Int, channelsPadded: Int
    private(set) var plan: LayerPlan?

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
        let requantizers = try c.channelRequantizers(input: input, filter: filter, output: output, channels: oc)
        let range = FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint)
        let kernel = DepthwiseConv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(packed, padding: 0),
            bias: Scratch(try c.bias(at: 2, channels: oc) + [Int32](repeating: 0, count: padded - oc), padding: 0),
            requantizers: requantizers,
            widened: Scratch(count: input.shape[1] * input.shape[2] * padded, value: 0),
            rowSums: Scratch(count: w.output * padded, value: 0), rowTotals: Scratch(count: w.output * padded, value: 0),
            inputZeroPoint: Float(iq.zeroPoint), outputZeroPoint: oq.zeroPoint, range: range,
            h: h, w: w, batches: input.shape[0], inChannels: ic, multiplier: multiplier, channels: oc, channelsPadded: padded)
        kernel.plan = .convolution(ConvolutionPlan(c, geometry: (h, w), batches: input.shape[0], depthMultiplier: multiplier,
                                                   zeroPoints: (iq.zeroPoint, oq.zeroPoint), range: range, requantizers: requantizers))
        return kernel
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Float>,
                 bias: Scratch<Int32>, requantizers: [Requantizer], widened: Scratch<Float>, rowSums: Scratch<Float>, rowTotals: Scratch<Int32>,
                 inputZeroPoint: Float, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 h: SpatialGeometry, w: SpatialGeometry, batches: Int, inChannels: Int, multiplier: Int,
                 channels: Int, channelsPadded: Int) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantizers = requantizers
        self.widened = widened
        self.rowSums = rowSums
        self.rowTotals = rowTotals
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
        let rowElements = w.output * cp
        let sums = UnsafeMutableRawPointer(rowSums.pointer)
        let totals = UnsafeMutableRawPointer(rowTotals.pointer)
        let xw = UnsafeRawPointer(widened.pointer)
        let wr = UnsafeRawPointer(weights.pointer)
        let biasRaw = UnsafeRawPointer(bias.pointer)
        let lanes = ExactGEMM.lanes
        var out = output
        requantizers.withUnsafeBufferPointer { rq in
            for b in 0..<batches {
                widen(input + b * h.input * w.input * inChannels)
                for oy in 0..<h.output {
                    for p in 0..<w.output {
                        for c in stride(from: 0, to: cp, by: lanes) {
                            totals.storeBytes(of: biasRaw.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self),
                                              toByteOffset: (p * cp + c) * 4, as: SIMD8<Int32>.self)
                        }
                    }
                    rowSums.pointer.update(repeating: 0, count: rowElements)
                    var terms = 0
                    let y0 = oy * h.stride - h.padBefore
                    for ky in 0..<h.filter {
                        let y = y0 + ky * h.dilation
                        guard y >= 0 && y < h.input else { continue }
                        let inputRow = (y * w.input) * cp
                        for kx in 0..<w.filter {
                            let (first, end) = columns(kx)
                            // Running pointers: no index arithmetic in the hot loop.
                            let wp = wr + ((ky &* w.filter &+ kx) &* cp) &* 4
                            var xp = xw + ((inputRow &+ (first &* w.stride &- w.padBefore &+ kx &* w.dilation) &* cp) &* 4)
                            var sp = sums + (first &* cp) &* 4
                            let xStep = w.stride &* cp &* 4, rowBytes = cp &* 4
                            var p = first
                            while p < end {
                                var c = 0
                                while c < rowBytes {
                                    var a = sp.loadUnaligned(fromByteOffset: c, as: ExactGEMM.Vector.self)
                                    a.addProduct(xp.loadUnaligned(fromByteOffset: c, as: ExactGEMM.Vector.self),
                                                 wp.loadUnaligned(fromByteOffset: c, as: ExactGEMM.Vector.self))
                                    sp.storeBytes(of: a, toByteOffset: c, as: ExactGEMM.Vector.self)
                                    c &+= MemoryLayout<ExactGEMM.Vector>.size
                                }
                                xp += xStep
                                sp += rowBytes
                                p &+= 1
                            }
                            terms += 1
                            if terms == ExactGEMM.maxExactTerms {
                                flush(sums, into: totals, count: rowElements)
                                terms = 0
                            }
                        }
                    }
                    flush(sums, into: totals, count: rowElements)
                    let acc = rowTotals.pointer
                    for p in 0..<w.output {
                        Requantizer.requantize(acc + p * cp, count: channels, with: rq,
                                               zeroPoint: outputZeroPoint, range: range, into: out)
                        out += channels
                    }
                }
            }
        }
    }

    /// The output columns `first..<end` for which filter column `kx` lands inside the input.
    @inline(__always)
    private func columns(_ kx: Int) -> (Int, Int) {
        let offset = kx * w.dilation - w.padBefore
        // Smallest p with p·stride + offset >= 0, and first p with p·stride + offset >= input.
        let first = offset >= 0 ? 0 : (-offset + w.stride - 1) / w.stride
        let limit = w.input - offset
        let end = limit <= 0 ? 0 : min((limit + w.stride - 1) / w.stride, w.output)
        return (min(first, end), end)
    }

    /// Adds the float row sums into the int32 row totals and clears them.
    @inline(__always)
    private func flush(_ sums: UnsafeMutableRawPointer, into totals: UnsafeMutableRawPointer, count: Int) {
        var i = 0
        while i < count {
            let s = sums.loadUnaligned(fromByteOffset: i * 4, as: ExactGEMM.Vector.self)
            let t = totals.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Int32>.self)
            totals.storeBytes(of: t &+ ExactGEMM.toInt32(s), toByteOffset: i * 4, as: SIMD8<Int32>.self)
            sums.storeBytes(of: ExactGEMM.Vector(), toByteOffset: i * 4, as: ExactGEMM.Vector.self)
            i += ExactGEMM.lanes
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
