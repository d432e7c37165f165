/// The parts of gemmlowp's fixed-point library (fixedpoint.h) that TFLM's int8
/// SOFTMAX and LOGISTIC use, on raw int32 values. A "Qn" value has n integer
/// bits and 31 - n fractional bits. Every rounding matches gemmlowp.
enum Gemmlowp {
    /// Product of a Qa and a Qb value, as a Q(a+b) value.
    @inline(__always)
    static func mul(_ a: Int32, _ b: Int32) -> Int32 {
        FixedPoint.saturatingRoundingDoublingHighMul(a, b)
    }

    /// `SaturatingRoundingMultiplyByPOT<exponent>`.
    @inline(__always)
    static func multiplyByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        if exponent == 0 { return x }
        if exponent < 0 { return FixedPoint.roundingDivideByPOT(x, -exponent) }
        let threshold = Int32((1 << (31 - exponent)) - 1)
        if x > threshold { return Int32.max }
        if x < -threshold { return Int32.min }
        return x << Int32(exponent)
    }

    /// `Rescale`: a Q`from` value as a Q`to` value.
    @inline(__always)
    static func rescale(_ x: Int32, from: Int, to: Int) -> Int32 {
        multiplyByPOT(x, from - to)
    }

    /// The raw value of 1.0 in Qn (the largest value for Q0, where 1 is not representable).
    @inline(__always)
    static func one(_ integerBits: Int) -> Int32 {
        integerBits == 0 ? Int32.max : Int32(1) << Int32(31 - integerBits)
    }

    /// `RoundingHalfSum` for int32.
    @inline(__always)
    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        let sign: Int64 = sum >= 0 ? 1 : -1
        return Int32(truncatingIfNeeded: (sum + sign) / 2)
    }

    /// `exp_on_interval_between_negative_one_quarter_and_0_excl`, Q0 → Q0.
    @inline(__always)
    static func expOnIntervalNegativeQuarterTo0(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668    // exp(-1/8)
        let oneThird: Int32 = 715_827_883
        let x = a &+ (1 << 28)                      // a + 1/8
        let x2 = mul(x, x)
        let x3 = mul(x2, x)
        let x4 = mul(x2, x2)
        let x4Over4 = multiplyByPOT(x4, -2)
        let poly = multiplyByPOT(mul(x4Over4 &+ x3, oneThird) &+ x2, -1)
        return constantTerm &+ mul(constantTerm, x &+ poly)
    }

    /// `exp_on_negative_values` of a Q`integerBits` value (≤ 0), as Q0.
    static func expOnNegativeValues(_ a: Int32, integerBits: Int) -> Int32 {
        let fractionalBits = 31 - integerBits
        let oneQuarter = Int32(1) << Int32(fractionalBits - 2)
        let mask = oneQuarter - 1
        let aModQuarterMinusQuarter = (a & mask) &- oneQuarter
        var result = expOnIntervalNegativeQuarterTo0(rescale(aModQuarterMinusQuarter, from: integerBits, to: 0))
        let remainder = aModQuarterMinusQuarter &- a
        // Barrel shifter: multiply by exp(-2^k) for every set bit of the remainder.
        let multipliers: [(exponent: Int, multiplier: Int32)] = [
            (-2, 1_672_461_947), (-1, 1_302_514_674), (0, 790_015_084), (1, 290_630_308),
            (2, 39_332_535), (3, 720_401), (4, 242),
        ]
        for (exponent, multiplier) in multipliers where integerBits > exponent {
            let bit = Int32(1) << Int32(fractionalBits + exponent)
            if remainder & bit != 0 { result = mul(result, multiplier) }
        }
        if integerBits > 5 {
            let clamp = -(Int32(1) << Int32(36 - integerBits))
            if a < clamp { result = 0 }
        }
        return a == 0 ? one(0) : result
    }

    /// `one_over_one_plus_x_for_x_in_0_1`, Q0 → Q0.
    static func oneOverOnePlusX(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, one(0))
        let c48Over17: Int32 = 1_515_870_810      // Q2
        let cMinus32Over17: Int32 = -1_010_580_540  // Q2
        var x = c48Over17 &+ mul(halfDenominator, cMinus32Over17)
        for _ in 0..<3 {
            let halfDenominatorTimesX = mul(halfDenominator, x)                 // Q2
            let oneMinus = one(2) &- halfDenominatorTimesX                       // Q2
            x = x &+ rescale(mul(x, oneMinus), from: 4, to: 2)
        }
        // ExactMulByPot<-1> turns Q2 into Q1 without touching the raw value.
        return rescale(x, from: 1, to: 0)
    }

    /// gemmlowp `logistic` of a Q`integerBits` value, as Q0: 1/(1+exp(-|a|))
    /// for positive inputs, its complement for negative ones, exactly 1/2 at 0.
    static func logistic(_ a: Int32, integerBits: Int) -> Int32 {
        if a == 0 { return 1 << 30 }
        let magnitude = a > 0 ? a : 0 &- a
        let positive = oneOverOnePlusX(expOnNegativeValues(0 &- magnitude, integerBits: integerBits))
        return a > 0 ? positive : one(0) &- positive
    }

    /// TFLM `GetReciprocal`: 1/x for a Q`integerDigits` value x > 0, as a Q0
    /// scale and the number of bits by which x exceeds one.
    static func reciprocal(_ x: Int32, integerDigits: Int) -> (scale: Int32, bitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let bitsOverUnit = integerDigits - headroomPlusOne
        let shiftedSumMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (UInt32(1) << 31))
        return (oneOverOnePlusX(shiftedSumMinusOne), bitsOverUnit)
    }

    /// TFLM `CalculateInputRadius`.
    static func inputRadius(integerBits: Int, leftShift: Int, totalSignedBits: Int = 31) -> Int32 {
        let maxInputRescaled = Double((1 << integerBits) - 1) * Double(Int64(1) << (totalSignedBits - integerBits))
            / Double(Int64(1) << leftShift)
        return Int32(maxInputRescaled.rounded(.down))
    }
}
