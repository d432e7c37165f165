/// DEPTHWISE_CONV_2D, int8, per-channel weights on axis 3, any depth multiplier.
///
/// Arithmetic of TFLM's reference `DepthwiseConvPerChannel`: output channel
/// `c * multiplier + m` accumulates `(x[c] - inputZeroPoint) · w[ky][kx][c*multiplier+m]`
/// over the in-bounds taps, adds its bias, and is requantized per channel.
/// Eval first widens the input to float with the zero point removed (channels
/// repeated `multiplier` times) into a buffer with a border of zeros wide
/// enough for every tap: a padding position then contributes `0 · w`, as in
/// TFLM, and no tap needs a bounds check. Each output pixel then sums its taps
/// for eight channels at a time, four pixels together (four independent
/// accumulators), in registers; sums of up to ``ExactGEMM/maxExactTerms`` taps
/// are exact in float (see ``ExactGEMM``) and are flushed into int32 after that many.
/// AVX2 builds instead sum pairs of taps in int16 with ``PairedTaps``, in the
/// same order of pixels and channels.
final class DepthwiseConv2D: PreparedKernel {
    #if TINYRUNTIME_AVX2
    /// Set right after construction (the initializer is shared with the portable build).
    private var taps: PairedTaps!
    #endif
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Float>     // [tap][channelsPadded]
    private let bias: Scratch<Int32>        // [channelsPadded]
    private let requantization: ChannelRequantization
    private let widened: Scratch<Float>     // [border + y][border + x][channelsPadded]
    /// Byte offset of each tap (ky, kx) from its pixel's first tap in `widened`.
    private let tapOffsets: Scratch<Int>
    private let rowTotals: Scratch<Int32>   // [outputWidth][channelsPadded]
    private let inputZeroPoint: Float
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, multiplier: Int, channels: Int, channelsPadded: Int
    /// Width of the zero-bordered widened input, in pixels.
    private let paddedWidth: Int
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
        #if TINYRUNTIME_AVX2
        // PairedTaps holds the operands; the float buffers stay empty.
        let taps = PairedTaps(raw, kh: kh, kw: kw, channels: oc, padded: padded, dilationH: dilationH, dilationW: dilationW,
                              paddedWidth: w.paddedExtent, pixels: h.paddedExtent * w.paddedExtent)
        let packed = [Float](), widenedCount = 0
        #else
        var packed = [Float](repeating: 0, count: kh * kw * padded)
        for tap in 0..<(kh * kw) {
            for ch in 0..<oc { packed[tap * padded + ch] = Float(raw[tap * oc + ch]) }
        }
        let widenedCount = h.paddedExtent * w.paddedExtent * padded
        #endif
        let requantizers = try c.channelRequantizers(input: input, filter: filter, output: output, channels: oc)
        let range = FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint)
        let kernel = DepthwiseConv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(packed, padding: 0),
            bias: Scratch(try c.bias(at: 2, channels: oc) + [Int32](repeating: 0, count: padded - oc), padding: 0),
            requantization: ChannelRequantization(requantizers),
            widened: Scratch(count: widenedCount, value: 0),
            tapOffsets: Scratch((0..<(kh * kw)).map { t in
                ((t / kw) * dilationH * w.paddedExtent + (t % kw) * dilationW) * padded * 4 }, padding: 0),
            rowTotals: Scratch(count: w.output * padded, value: 0),
            inputZeroPoint: Float(iq.zeroPoint), outputZeroPoint: oq.zeroPoint, range: range,
            h: h, w: w, batches: input.shape[0], inChannels: ic, multiplier: multiplier, channels: oc, channelsPadded: padded)
        #if TINYRUNTIME_AVX2
        kernel.taps = taps
        #endif
        kernel.plan = .convolution(ConvolutionPlan(c, geometry: (h, w), batches: input.shape[0], depthMultiplier: multiplier,
                                                   zeroPoints: (iq.zeroPoint, oq.zeroPoint), range: range, requantizers: requantizers))
        return kernel
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Float>,
                 bias: Scratch<Int32>, requantization: ChannelRequantization, widened: Scratch<Float>, tapOffsets: Scratch<Int>, rowTotals: Scratch<Int32>,
                 inputZeroPoint: Float, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 h: SpatialGeometry, w: SpatialGeometry, batches: Int, inChannels: Int, multiplier: Int,
                 channels: Int, channelsPadded: Int) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantization = requantization
        self.widened = widened
        self.tapOffsets = tapOffsets
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
        paddedWidth = w.paddedExtent
    }

    func eval() {
        #if TINYRUNTIME_AVX2
        evalPairs()
        #else
        let cp = channelsPadded
        let rowBytes = paddedWidth * cp * 4, pixelStep = w.stride * cp * 4
        let xw = UnsafeRawPointer(widened.pointer)
        let totals = rowTotals.pointer
        var out = output
        for b in 0..<batches {
            widen(input + b * h.input * w.input * inChannels)
            for oy in 0..<h.output {
                let row = xw + oy * h.stride * rowBytes
                var ox = 0
                while ox < w.output {
                    let n = w.output - ox >= 4 ? 4 : 1
                    for c in stride(from: 0, to: cp, by: ExactGEMM.lanes) {
                        if n == 4 {
                            fourPixels(row + ox * pixelStep, step: pixelStep, channel: c, into: totals + ox * cp + c)
                        } else {
                            onePixel(row + ox * pixelStep, channel: c, into: totals + ox * cp + c)
                        }
                    }
                    ox += n
                }
                requantization.requantize(totals, rows: w.output, accStride: cp, count: channels, zeroPoint: outputZeroPoint,
                                          range: range, into: out, outStride: channels)
                out += w.output * channels
            }
        }
        #endif
    }

    /// Bias plus the taps of channels `channel..<channel+8` for the four pixels
    /// `pixel + j · step`, stored `channelsPadded` apart.
    @inline(__always)
    private func fourPixels(_ pixel: UnsafeRawPointer, step: Int, channel: Int, into totals: UnsafeMutablePointer<Int32>) {
        let bias = UnsafeRawPointer(self.bias.pointer + channel).loadUnaligned(as: SIMD8<Int32>.self)
        var i0 = bias, i1 = bias, i2 = bias, i3 = bias
        let x = pixel + channel * 4
        let wr = UnsafeRawPointer(weights.pointer + channel), wStep = channelsPadded * 4
        let taps = h.filter * w.filter, offsets = tapOffsets.pointer
        var t = 0
        while t < taps {
            let end = min(t + ExactGEMM.maxExactTerms, taps)
            var a0 = ExactGEMM.Vector(), a1 = a0, a2 = a0, a3 = a0
            while t < end {
                let wv = wr.loadUnaligned(fromByteOffset: t &* wStep, as: ExactGEMM.Vector.self)
                let xp = x + offsets[t]
                a0.addProduct(xp.loadUnaligned(as: ExactGEMM.Vector.self), wv)
                a1.addProduct(xp.loadUnaligned(fromByteOffset: step, as: ExactGEMM.Vector.self), wv)
                a2.addProduct(xp.loadUnaligned(fromByteOffset: 2 &* step, as: ExactGEMM.Vector.self), wv)
                a3.addProduct(xp.loadUnaligned(fromByteOffset: 3 &* step, as: ExactGEMM.Vector.self), wv)
                t &+= 1
            }
            i0 &+= ExactGEMM.toInt32(a0)
            i1 &+= ExactGEMM.toInt32(a1)
            i2 &+= ExactGEMM.toInt32(a2)
            i3 &+= ExactGEMM.toInt32(a3)
        }
        let o = UnsafeMutableRawPointer(totals), stride = channelsPadded * 4
        o.storeBytes(of: i0, as: SIMD8<Int32>.self)
        o.storeBytes(of: i1, toByteOffset: stride, as: SIMD8<Int32>.self)
        o.storeBytes(of: i2, toByteOffset: 2 * stride, as: SIMD8<Int32>.self)
        o.storeBytes(of: i3, toByteOffset: 3 * stride, as: SIMD8<Int32>.self)
    }

    /// ``fourPixels(_:step:channel:into:)`` for one pixel.
    @inline(__always)
    private func onePixel(_ pixel: UnsafeRawPointer, channel: Int, into totals: UnsafeMutablePointer<Int32>) {
        var total = UnsafeRawPointer(bias.pointer + channel).loadUnaligned(as: SIMD8<Int32>.self)
        let x = pixel + channel * 4
        let wr = UnsafeRawPointer(weights.pointer + channel), wStep = channelsPadded * 4
        let taps = h.filter * w.filter, offsets = tapOffsets.pointer
        var t = 0
        while t < taps {
            let end = min(t + ExactGEMM.maxExactTerms, taps)
            var a = ExactGEMM.Vector()
            while t < end {
                a.addProduct((x + offsets[t]).loadUnaligned(as: ExactGEMM.Vector.self),
                             wr.loadUnaligned(fromByteOffset: t &* wStep, as: ExactGEMM.Vector.self))
                t &+= 1
            }
            total &+= ExactGEMM.toInt32(a)
        }
        UnsafeMutableRawPointer(totals).storeBytes(of: total, as: SIMD8<Int32>.self)
    }

    /// Input pixel channels as float minus the zero point, each repeated
    /// `multiplier` times, inside the zero border.
    private func widen(_ image: UnsafePointer<Int8>) {
        let zp = inputZeroPoint
        var src = image
        for y in 0..<h.input {
            var dst = widened.pointer + ((h.padBefore + y) * paddedWidth + w.padBefore) * channelsPadded
            for _ in 0..<w.input {
                if multiplier == 1 {
                    for ch in 0..<inChannels { dst[ch] = Float(src[ch]) - zp }
                } else {
                    for ch in 0..<inChannels {
                        let v = Float(src[ch]) - zp
                        for m in 0..<multiplier { dst[ch * multiplier + m] = v }
                    }
                }
                src += inChannels
                dst += channelsPadded
            }
        }
    }

    #if TINYRUNTIME_AVX2
    /// ``eval()`` with ``PairedTaps``: int16 operands, two taps per product pair.
    private func evalPairs() {
        let taps = self.taps!, cp = channelsPadded
        let rowBytes = paddedWidth * cp * 4, pixelStep = w.stride * cp * 4
        let totals = rowTotals.pointer
        var out = output
        for b in 0..<batches {
            taps.load(input + b * h.input * w.input * inChannels, zeroPoint: Int32(inputZeroPoint), multiplier: multiplier,
                      inChannels: inChannels, h: h, w: w, paddedWidth: paddedWidth, padded: cp)
            let q = UnsafeRawPointer(taps.paired.pointer)
            for oy in 0..<h.output {
                let row = q + oy * h.stride * rowBytes
                var ox = 0
                while ox < w.output {
                    let n = w.output - ox >= 4 ? 4 : 1
                    var c = 0
                    while c < cp {
                        taps.sum(row + ox * pixelStep, step: pixelStep, pixels: n, channel: c, padded: cp,
                                 bias: bias.pointer + c, into: totals + ox * cp + c)
                        c += ExactGEMM.lanes
                    }
                    ox += n
                }
                requantization.requantize(totals, rows: w.output, accStride: cp, count: channels, zeroPoint: outputZeroPoint,
                                          range: range, into: out, outStride: channels)
                out += w.output * channels
            }
        }
    }
    #endif
}
