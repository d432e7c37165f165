import Foundation

/// LOGISTIC (sigmoid), int8 in, int8 out (scale 1/256, zero point -128).
///
/// TFLM's reference int8 `Logistic`: inputs beyond the input radius saturate to
/// -128 / 127; others are rescaled into Q4 and passed through gemmlowp's
/// fixed-point logistic, then rounded down to 8 bits.
final class Logistic: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let count: Int
    private let inputZeroPoint: Int32
    private let inputRadius: Int32
    private let rescale: Requantizer
    static let inputIntegerBits = 4

    static func prepare(_ c: KernelContext) throws(ModelError) -> Logistic {
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.require(input.elementCount == output.elementCount, "input and output sizes differ")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        try c.require(oq.zeroPoint == -128, "int8 output zero point must be -128, is \(oq.zeroPoint)")
        // Unlike QuantizeMultiplier, TFLM takes frexp's mantissa as is here.
        let real = Double(iq.scale) * Double(1 << (31 - inputIntegerBits))
        let (mantissa, exponent) = frexp(real)
        let multiplier = (mantissa * Double(Int64(1) << 31)).rounded(.toNearestOrAwayFromZero)
        try c.require(multiplier < Double(Int32.max) && exponent <= 30 && exponent >= -31,
                      "input scale \(iq.scale) is out of the supported range")
        return Logistic(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                        count: input.elementCount, inputZeroPoint: iq.zeroPoint,
                        inputRadius: Gemmlowp.inputRadius(integerBits: inputIntegerBits, leftShift: exponent),
                        rescale: Requantizer(multiplier: Int32(multiplier), shift: exponent))
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int,
                 inputZeroPoint: Int32, inputRadius: Int32, rescale: Requantizer) {
        self.input = input
        self.output = output
        self.count = count
        self.inputZeroPoint = inputZeroPoint
        self.inputRadius = inputRadius
        self.rescale = rescale
    }

    func eval() {
        for i in 0..<count {
            let x = Int32(input[i]) - inputZeroPoint
            if x <= -inputRadius {
                output[i] = Int8.min
            } else if x >= inputRadius {
                output[i] = Int8.max
            } else {
                let q0 = Gemmlowp.logistic(rescale.apply(x), integerBits: Self.inputIntegerBits)
                let v = FixedPoint.roundingDivideByPOT(q0, 31 - 8) - 128
                output[i] = Int8(truncatingIfNeeded: min(max(v, -128), 127))
            }
        }
    }
}
