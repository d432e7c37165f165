/// CONV_2D, int8 activations, int8 per-channel (or per-tensor) weights, int32 bias.
///
/// Arithmetic of TFLM's reference `ConvPerChannel`: the accumulator is
/// `bias + Σ (x - inputZeroPoint) · w`, requantized per output channel and
/// clamped to the fused activation's range. Padding positions contribute zero.
/// Eval widens the input once with the zero point removed, into a buffer with
/// a border of zeros wide enough for every tap (a padding position then
/// contributes `0 · w`, as in TFLM): to int16 for ``PairGEMM`` on AVX2 builds
/// (integer `vpmaddwd`, twice the products per instruction of a float FMA), to
/// float for ``PanelGEMM`` elsewhere. Groups of up to ``groupPixels`` output
/// pixels are multiplied with the weights packed in prepare, one panel of 16
/// channels over the whole group (four pixels at a time) before the next, so a
/// panel is read from memory once per group; receptive fields are read in
/// place, one run of contiguous values per filter row (no im2col copy). A last
/// block of fewer than four pixels repeats its last pixel and drops the repeats.
final class Conv2D: PreparedKernel {
    #if TINYRUNTIME_AVX2
    typealias Operand = Int16
    #else
    typealias Operand = Float
    #endif
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let weights: Scratch<Operand>      // PairGEMM or PanelGEMM panels
    private let bias: Scratch<Int32>           // [paddedChannels]
    private let requantization: ChannelRequantization
    private let widened: Scratch<Operand>      // [border + y][border + x][inChannels]
    /// Where each run of a receptive field starts, in operands from its first value.
    private let segmentOffsets: Scratch<Int>
    private let segments: PanelGEMM.Segments
    private let accumulators: Scratch<Int32>   // [groupPixels][paddedChannels]
    static let groupPixels = 64
    #if TINYRUNTIME_AVX2
    private typealias GEMM = PairGEMM
    #else
    private typealias GEMM = PanelGEMM
    #endif
    private let inputZeroPoint: Int32
    private let outputZeroPoint: Int32
    private let range: (min: Int32, max: Int32)
    private let h: SpatialGeometry, w: SpatialGeometry
    private let batches: Int, inChannels: Int, outChannels: Int, paddedChannels: Int
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
        // One run per filter row when a row's taps are adjacent, else one per tap.
        let rowOperands = w.paddedExtent * ic
        let offsets = dilationW == 1
            ? (0..<kh).map { $0 * dilationH * rowOperands }
            : (0..<(kh * kw)).map { ($0 / kw) * dilationH * rowOperands + ($0 % kw) * dilationW * ic }
        let run = length / offsets.count
        #if TINYRUNTIME_AVX2
        // PairGEMM sums pairs of terms: a run of odd length is read one value
        // past its end, where a zero weight meets it (hence one more operand).
        let segmentLength = (run + 1) / 2 * 2, slack = 1
        let packed = PairGEMM.pack(try c.int8Constant(filter), channels: oc, depth: length, groupLength: run,
                                   paddedGroupLength: segmentLength)
        #else
        let segmentLength = run, slack = 0
        let packed = PanelGEMM.pack(try c.int8Constant(filter), channels: oc, depth: length)
        #endif
        let kernel = Conv2D(
            input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
            weights: Scratch(packed, padding: 0),
            bias: Scratch(bias + [Int32](repeating: 0, count: padded - oc), padding: 0),
            requantization: ChannelRequantization(requantizers),
            widened: Scratch(count: h.paddedExtent * w.paddedExtent * ic + slack, value: 0),
            segmentOffsets: Scratch(offsets, padding: 0), segmentLength: segmentLength,
            accumulators: Scratch(count: groupPixels * padded, value: 0),
            inputZeroPoint: iq.zeroPoint, outputZeroPoint: oq.zeroPoint, range: range,
            h: h, w: w, batches: input.shape[0], inChannels: ic, outChannels: oc, paddedChannels: padded)
        kernel.plan = .convolution(ConvolutionPlan(c, geometry: (h, w), batches: input.shape[0], depthMultiplier: 0,
                                                   zeroPoints: (iq.zeroPoint, oq.zeroPoint), range: range, requantizers: requantizers))
        return kernel
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, weights: Scratch<Operand>,
                 bias: Scratch<Int32>, requantization: ChannelRequantization, widened: Scratch<Operand>,
                 segmentOffsets: Scratch<Int>, segmentLength: Int, accumulators: Scratch<Int32>,
                 inputZeroPoint: Int32, outputZeroPoint: Int32, range: (min: Int32, max: Int32),
                 h: SpatialGeometry, w: SpatialGeometry, batches: Int, inChannels: Int, outChannels: Int, paddedChannels: Int) {
        self.input = input
        self.output = output
        self.weights = weights
        self.bias = bias
        self.requantization = requantization
        self.widened = widened
        self.segmentOffsets = segmentOffsets
        segments = PanelGEMM.Segments(offsets: segmentOffsets.pointer, count: segmentOffsets.count, length: segmentLength)
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
    }

    func eval() {
        let pixels = h.output * w.output
        let depth = segments.count * segments.length
        let acc = accumulators.pointer
        for b in 0..<batches {
            widen(input + b * h.input * w.input * inChannels)
            let out = output + b * pixels * outChannels
            var group = 0
            while group < pixels {
                let end = min(group + Self.groupPixels, pixels)
                var c = 0
                while c < paddedChannels {
                    let width = min(GEMM.width, paddedChannels - c)
                    var p = group
                    while p < end {
                        let last = min(p + 3, end - 1)
                        let x = (field(p), field(min(p + 1, last)), field(min(p + 2, last)), field(last))
                        GEMM.fourRows(x, segments, panel: weights.pointer + c * depth, width: width, bias: bias.pointer + c,
                                      out: acc + (p - group) * paddedChannels + c, outStride: paddedChannels)
                        p += 4
                    }
                    c += width
                }
                requantization.requantize(acc, rows: end - group, accStride: paddedChannels, count: outChannels,
                                          zeroPoint: outputZeroPoint, range: range, into: out + group * outChannels,
                                          outStride: outChannels)
                group = end
            }
        }
    }

    /// The first value of output pixel `pixel`'s receptive field in the widened input.
    @inline(__always)
    private func field(_ pixel: Int) -> UnsafePointer<Operand> {
        let oy = pixel / w.output, ox = pixel % w.output
        return UnsafePointer(widened.pointer + (oy * h.stride * w.paddedExtent + ox * w.stride) * inChannels)
    }

    /// The image minus the zero point inside the zero border.
    private func widen(_ image: UnsafePointer<Int8>) {
        let rowValues = w.input * inChannels
        for y in 0..<h.input {
            let row = widened.pointer + ((h.padBefore + y) * w.paddedExtent + w.padBefore) * inChannels
            #if TINYRUNTIME_AVX2
            PairGEMM.widen(image + y * rowValues, to: row, count: rowValues, zeroPoint: inputZeroPoint)
            #else
            ExactGEMM.widen(image + y * rowValues, to: row, count: rowValues, zeroPoint: inputZeroPoint)
            #endif
        }
    }
}
