/// PAD and PADV2, int8: copies the input into the middle of the output and
/// fills the rest with the pad value (PADV2's constant, else the output zero
/// point, which is quantized zero). Input and output share quantization, as
/// TFLM requires.
final class Pad: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    /// Output offset of the start of every contiguous input row (last dimension).
    private let rowOffsets: [Int32]
    private let rowLength: Int
    private let outputCount: Int
    private let padValue: Int8

    static func prepare(_ c: KernelContext) throws(ModelError) -> Pad {
        let input = try c.input(0), paddings = try c.input(1), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.requireType(paddings, .int32, role: "paddings")
        let rank = input.shape.count
        try c.require(rank >= 1, "input is a scalar")
        let pads = try c.int32Constant(paddings)
        try c.require(pads.count == rank * 2, "paddings hold \(pads.count) values for rank \(rank)")
        try c.require(pads.allSatisfy { $0 >= 0 && $0 <= 1 << 20 }, "paddings \(pads) must be non-negative and sane")
        let expected = (0..<rank).map { input.shape[$0] + Int(pads[2 * $0]) + Int(pads[2 * $0 + 1]) }
        try c.requireShape(output, expected, role: "output")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        try c.require(iq.scale == oq.scale && iq.zeroPoint == oq.zeroPoint, "input and output quantization differ")
        var padValue = Int8(clamping: oq.zeroPoint)
        if let constant = c.optionalInput(2) {
            try c.requireType(constant, .int8, role: "constant value")
            guard let v = try c.int8Constant(constant).first else { throw c.unsupported("empty constant value") }
            padValue = v
        }

        let rowLength = input.shape[rank - 1]
        var rowOffsets = [Int32]()
        // One entry per contiguous input row: walk every dimension but the last.
        forEachIndex(Array(input.shape.dropLast())) { index in
            var o = 0
            for d in 0..<(rank - 1) { o = o * expected[d] + index[d] + Int(pads[2 * d]) }
            rowOffsets.append(Int32(o * expected[rank - 1] + Int(pads[2 * (rank - 1)])))
        }
        if rowLength == 0 { rowOffsets.removeAll() }
        return Pad(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                   rowOffsets: rowOffsets, rowLength: rowLength, outputCount: output.elementCount, padValue: padValue)
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, rowOffsets: [Int32],
                 rowLength: Int, outputCount: Int, padValue: Int8) {
        self.input = input
        self.output = output
        self.rowOffsets = rowOffsets
        self.rowLength = rowLength
        self.outputCount = outputCount
        self.padValue = padValue
    }

    func eval() {
        output.update(repeating: padValue, count: outputCount)
        for (r, offset) in rowOffsets.enumerated() {
            (output + Int(offset)).update(from: input + r * rowLength, count: rowLength)
        }
    }
}
