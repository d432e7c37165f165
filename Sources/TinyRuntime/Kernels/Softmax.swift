/// SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128).
///
/// TFLM's reference int8 `Softmax`: differences to the row maximum are scaled
/// by beta·inputScale into Q5, exponentiated with gemmlowp's fixed-point exp,
/// summed in Q12, and each exp is multiplied by the fixed-point reciprocal of
/// the sum. Differences below `diffMin` contribute nothing and yield -128.
final class Softmax: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let rows: Int, depth: Int
    private let inputMultiplier: Int32
    private let inputLeftShift: Int32
    private let diffMin: Int32
    let plan: LayerPlan?
    static let scaledDiffIntegerBits = 5
    static let accumulationIntegerBits = 12

    static func prepare(_ c: KernelContext) throws(ModelError) -> Softmax {
        guard case let .softmax(beta) = c.op.options else { throw c.unsupported("expected SoftmaxOptions") }
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.require(input.shape == output.shape, "input shape \(input.shape) differs from output shape \(output.shape)")
        try c.require(!input.shape.isEmpty, "input is a scalar")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        try c.require(oq.scale == 1.0 / 256 && oq.zeroPoint == -128,
                      "int8 output must have scale 1/256 and zero point -128, has \(oq.scale) and \(oq.zeroPoint)")
        // PreprocessSoftmaxScaling with 5 integer bits.
        let real = min(Double(beta) * Double(iq.scale) * Double(1 << (31 - scaledDiffIntegerBits)), Double(Int64(1) << 31) - 1)
        let (multiplier, shift) = FixedPoint.quantizeMultiplier(real)
        try c.require(shift >= 0, "beta \(beta) with input scale \(iq.scale) is too small")
        let depth = input.shape.last!
        let rows = depth == 0 ? 0 : input.elementCount / depth
        let diffMin = -Gemmlowp.inputRadius(integerBits: scaledDiffIntegerBits, leftShift: shift)
        return Softmax(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                       rows: rows, depth: depth, inputMultiplier: multiplier, inputLeftShift: Int32(shift), diffMin: diffMin,
                       plan: .softmax(SoftmaxPlan(input: input.index, output: output.index, rows: rows, depth: depth,
                                                  inputMultiplier: multiplier, inputLeftShift: Int32(shift), diffMin: diffMin)))
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, rows: Int, depth: Int,
                 inputMultiplier: Int32, inputLeftShift: Int32, diffMin: Int32, plan: LayerPlan) {
        self.plan = plan
        self.input = input
        self.output = output
        self.rows = rows
        self.depth = depth
        self.inputMultiplier = inputMultiplier
        self.inputLeftShift = inputLeftShift
        self.diffMin = diffMin
    }

    /// Scaled difference to the row maximum, exponentiated (Q0).
    @inline(__always)
    private func exp(_ diff: Int32) -> Int32 {
        let rescaled = FixedPoint.saturatingRoundingDoublingHighMul(diff &* (1 << inputLeftShift), inputMultiplier)
        return Gemmlowp.expOnNegativeValues(rescaled, integerBits: Self.scaledDiffIntegerBits)
    }

    func eval() {
        for r in 0..<rows {
            let x = input + r * depth
            let y = output + r * depth
            var maxValue = Int32(Int8.min)
            for i in 0..<depth { maxValue = max(maxValue, Int32(x[i])) }
            var sum: Int32 = 0
            for i in 0..<depth {
                let diff = Int32(x[i]) - maxValue
                if diff >= diffMin {
                    sum &+= Gemmlowp.rescale(exp(diff), from: 0, to: Self.accumulationIntegerBits)
                }
            }
            let (scale, bitsOverUnit) = Gemmlowp.reciprocal(sum, integerDigits: Self.accumulationIntegerBits)
            for i in 0..<depth {
                let diff = Int32(x[i]) - maxValue
                if diff >= diffMin {
                    let unsaturated = FixedPoint.roundingDivideByPOT(Gemmlowp.mul(scale, exp(diff)), bitsOverUnit + 31 - 8)
                    y[i] = Int8(truncatingIfNeeded: min(max(unsaturated &- 128, -128), 127))
                } else {
                    y[i] = -128
                }
            }
        }
    }
}
