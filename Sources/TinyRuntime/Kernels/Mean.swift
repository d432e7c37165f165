/// MEAN, int8, over any set of axes.
///
/// TFLite's reference `QuantizedMeanOrSum` (integer variant, as TFLM runs it):
/// sum the raw int8 values of each reduced group in int32, remove
/// `inputZeroPoint · n`, then requantize with the `inputScale / outputScale`
/// multiplier folded with `1/n` (the multiplier is scaled up by
/// 2^⌊log2 n⌋ and divided by n, and the shift lowered to match).
final class Mean: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    /// For each input element, the output element it is summed into.
    private let destination: [Int32]
    private let sums: Scratch<Int32>
    private let outputCount: Int
    private let zeroPointTimesCount: Int32
    private let outputZeroPoint: Int32
    private let requantizer: Requantizer

    static func prepare(_ c: KernelContext) throws(ModelError) -> Mean {
        guard case let .reducer(keepDims) = c.op.options else { throw c.unsupported("expected ReducerOptions") }
        let input = try c.input(0), axisTensor = try c.input(1), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.requireType(axisTensor, .int32, role: "axis")
        let rank = input.shape.count
        var axes = Set<Int>()
        for a in try c.int32Constant(axisTensor) {
            let axis = a < 0 ? Int(a) + rank : Int(a)
            try c.require(axis >= 0 && axis < rank, "axis \(a) is out of range for rank \(rank)")
            axes.insert(axis)
        }
        var reducedShape = [Int]()
        for d in 0..<rank where !(axes.contains(d) && !keepDims) {
            reducedShape.append(axes.contains(d) ? 1 : input.shape[d])
        }
        try c.require(output.elementCount == reducedShape.reduce(1, *),
                      "output shape \(output.shape) does not match the reduced shape \(reducedShape)")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)

        // Output index of every input element, walking the input in row-major order.
        var destination = [Int32]()
        destination.reserveCapacity(input.elementCount)
        forEachIndex(input.shape) { index in
            var o = 0
            for d in 0..<rank where !axes.contains(d) { o = o * input.shape[d] + index[d] }
            destination.append(Int32(o))
        }
        let count = axes.reduce(1) { $0 * input.shape[$1] }
        var (multiplier, shift) = FixedPoint.quantizeMultiplier(Double(iq.scale) / Double(oq.scale))
        if count > 0 {
            var extra = 63 - UInt64(count).leadingZeroBitCount
            extra = min(extra, 32, 31 + shift)
            multiplier = Int32(truncatingIfNeeded: (Int64(multiplier) << extra) / Int64(count))
            shift -= extra
        }
        return Mean(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                    destination: destination, sums: Scratch(count: output.elementCount, value: 0),
                    outputCount: output.elementCount, zeroPointTimesCount: iq.zeroPoint &* Int32(truncatingIfNeeded: count),
                    outputZeroPoint: oq.zeroPoint, requantizer: Requantizer(multiplier: multiplier, shift: shift))
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, destination: [Int32],
                 sums: Scratch<Int32>, outputCount: Int, zeroPointTimesCount: Int32, outputZeroPoint: Int32,
                 requantizer: Requantizer) {
        self.input = input
        self.output = output
        self.destination = destination
        self.sums = sums
        self.outputCount = outputCount
        self.zeroPointTimesCount = zeroPointTimesCount
        self.outputZeroPoint = outputZeroPoint
        self.requantizer = requantizer
    }

    func eval() {
        let sum = sums.pointer
        sum.update(repeating: 0, count: outputCount)
        destination.withUnsafeBufferPointer { dst in
            for i in 0..<dst.count { sum[Int(dst[i])] &+= Int32(input[i]) }
        }
        for o in 0..<outputCount {
            let v = requantizer.apply(sum[o] &- zeroPointTimesCount) &+ outputZeroPoint
            output[o] = Int8(truncatingIfNeeded: min(max(v, -128), 127))
        }
    }
}
