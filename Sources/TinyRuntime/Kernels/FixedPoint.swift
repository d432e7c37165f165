import Foundation

/// TFLM's fixed-point arithmetic (tensorflow/lite/kernels/internal/common.h and
/// gemmlowp's fixedpoint.h), reproduced to the bit.
///
/// A real multiplier is stored as a Q31 mantissa and a power-of-two exponent;
/// applying it takes two rounding steps (a rounding doubling high multiply, then
/// a rounding right shift with halves away from zero). A single-rounding variant
/// differs by one on some elements, so both steps are kept.
public enum FixedPoint {
    /// Splits `real` into a Q31 multiplier and an exponent, like TFLM's
    /// `QuantizeMultiplier`: `real ≈ multiplier / 2^31 * 2^shift`.
    public static func quantizeMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int) {
        if real == 0 || real.isNaN { return (0, 0) }
        // A zero scale in a broken model gives an infinite factor: saturate.
        if real.isInfinite { return real > 0 ? (Int32.max, 30) : (0, 0) }
        let fr = frexp(real)
        var shift = fr.1
        var q = Int64((fr.0 * Double(1 << 31)).rounded(.toNearestOrAwayFromZero))
        if q == Int64(1) << 31 {
            q /= 2
            shift += 1
        }
        if shift < -31 {
            // Too small for 32 bits: TFLM flushes the multiplier to zero.
            return (0, 0)
        }
        if shift > 30 {
            return (Int32.max, 30)
        }
        return (Int32(q), shift)
    }

    /// gemmlowp `SaturatingRoundingDoublingHighMul`.
    @inline(__always)
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) * Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
    }

    /// gemmlowp `RoundingDivideByPOT`: arithmetic right shift rounding halves
    /// away from zero; `exponent` may be 0...31.
    @inline(__always)
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        let mask = (Int64(1) << exponent) - 1
        let remainder = Int64(x) & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(exponent)) &+ (remainder > threshold ? 1 : 0)
    }

    /// `round(x)` (halves away from zero) as Int32, saturating instead of
    /// trapping on out-of-range or NaN values that a broken model can produce.
    /// Inlinable: callers quantise inputs a value at a time.
    @inlinable
    public static func roundedToInt32(_ x: Double) -> Int32 {
        guard !x.isNaN else { return 0 }
        let r = x.rounded(.toNearestOrAwayFromZero)
        if r >= Double(Int32.max) { return Int32.max }
        if r <= Double(Int32.min) { return Int32.min }
        return Int32(r)
    }

    /// TFLM `MultiplyByQuantizedMultiplier` (double rounding).
    @inline(__always)
    public static func multiply(_ x: Int32, by multiplier: Int32, shift: Int) -> Int32 {
        let left = shift > 0 ? shift : 0
        let right = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (1 << Int32(left)), multiplier), right)
    }

    /// The clamp range of an int8 output with a fused activation
    /// (TFLM `CalculateActivationRangeQuantized`).
    public static func activationRange(_ activation: FusedActivation, scale: Float, zeroPoint: Int32,
                                       qmin: Int32 = -128, qmax: Int32 = 127) -> (min: Int32, max: Int32) {
        func quantize(_ f: Float) -> Int32 {
            zeroPoint &+ roundedToInt32(Double(f / scale))
        }
        switch activation {
        case .relu: return (max(qmin, quantize(0)), qmax)
        case .relu6: return (max(qmin, quantize(0)), min(qmax, quantize(6)))
        case .reluN1To1: return (max(qmin, quantize(-1)), min(qmax, quantize(1)))
        default: return (qmin, qmax)
        }
    }
}

/// A precomputed requantization step `x → round(x · real)` with TFLM's
/// `MultiplyByQuantizedMultiplier` arithmetic, bit-exact.
///
/// Stored split into the pieces the two rounding steps need so the hot loop
/// does no branching on the shift's sign and all rounding work stays in 32 bits.
public struct Requantizer: Sendable {
    /// Q31 multiplier, never negative (scales are never negative), so the
    /// `Int32.min · Int32.min` saturation case of the doubling multiply cannot arise.
    public let multiplier: Int32
    public let leftShift: Int32
    /// 0...31.
    public let rightShift: Int32
    @usableFromInline let mask: Int32
    @usableFromInline let halfMask: Int32

    public init(real: Double) {
        let (m, s) = FixedPoint.quantizeMultiplier(real)
        self.init(multiplier: m, shift: s)
    }

    /// `shift` as returned by ``FixedPoint/quantizeMultiplier(_:)``: -31...30.
    public init(multiplier: Int32, shift: Int) {
        self.multiplier = max(multiplier, 0)
        leftShift = Int32(min(max(shift, 0), 30))
        rightShift = Int32(min(max(-shift, 0), 31))
        mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(rightShift)) - 1)
        halfMask = mask >> 1
    }

    /// `MultiplyByQuantizedMultiplier(x, multiplier, shift)`, bit-exact.
    @inline(__always)
    public func apply(_ x: Int32) -> Int32 {
        let ab = Int64(x &<< leftShift) * Int64(multiplier)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        let h = Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
        let threshold = halfMask &+ (h < 0 ? 1 : 0)
        return (h &>> rightShift) &+ ((h & mask) > threshold ? 1 : 0)
    }
}
