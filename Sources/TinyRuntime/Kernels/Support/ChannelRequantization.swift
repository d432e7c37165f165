/// Per-channel requantization of int32 accumulators to int8, prepared once:
/// `out[c] = clamp(requantizers[c].apply(acc[c]) + zeroPoint)`, bit-exact with
/// TFLM's `MultiplyByQuantizedMultiplier`.
///
/// AVX2 builds requantize eight channels per step: the doubling high multiply
/// is `(x · m + 2^30) >> 31` on 64-bit lanes, which equals gemmlowp's
/// `SaturatingRoundingDoublingHighMul` for every `x` because the nudge
/// `1 - 2^30` and the truncating division of a negative product together
/// floor `(x · m + 2^30) / 2^31` (and `m >= 0` rules out the saturating case).
/// Baseline x86-64 has no per-lane shifts or signed 64-bit multiplies, so it
/// keeps the scalar ``Requantizer/apply(_:)``.
final class ChannelRequantization {
    private let requantizers: Scratch<Requantizer>
    #if TINYRUNTIME_AVX2
    /// Per channel, padded to a multiple of 8: multiplier, left shift, right shift, mask, mask >> 1.
    private let multiplier: Scratch<Int32>, leftShift: Scratch<Int32>, rightShift: Scratch<Int32>
    private let mask: Scratch<Int32>, halfMask: Scratch<Int32>
    #endif

    init(_ requantizers: [Requantizer]) {
        self.requantizers = Scratch(requantizers, padding: Requantizer(multiplier: 0, shift: 0))
        #if TINYRUNTIME_AVX2
        let padding = [Int32](repeating: 0, count: (8 - requantizers.count % 8) % 8)
        multiplier = Scratch(requantizers.map(\.multiplier) + padding, padding: 0)
        leftShift = Scratch(requantizers.map(\.leftShift) + padding, padding: 0)
        rightShift = Scratch(requantizers.map(\.rightShift) + padding, padding: 0)
        mask = Scratch(requantizers.map(\.mask) + padding, padding: 0)
        halfMask = Scratch(requantizers.map(\.halfMask) + padding, padding: 0)
        #endif
    }

    /// Requantizes channels `0..<count` of `rows` accumulator rows `accStride`
    /// apart into output rows `outStride` apart. Not inlined: a kernel calls it
    /// once per block of rows, and inlined it would crowd out the inlining of
    /// the kernel's own SIMD conversions.
    @inline(never)
    func requantize(_ acc: UnsafePointer<Int32>, rows: Int, accStride: Int, count: Int, zeroPoint: Int32,
                    range: (min: Int32, max: Int32), into out: UnsafeMutablePointer<Int8>, outStride: Int) {
        for r in 0..<rows {
            requantizeRow(acc + r * accStride, count: count, zeroPoint: zeroPoint, range: range, into: out + r * outStride)
        }
    }

    @inline(__always)
    private func requantizeRow(_ acc: UnsafePointer<Int32>, count: Int, zeroPoint: Int32, range: (min: Int32, max: Int32),
                               into out: UnsafeMutablePointer<Int8>) {
        var c = 0
        #if TINYRUNTIME_AVX2
        let a = UnsafeRawPointer(acc), o = UnsafeMutableRawPointer(out)
        let zp = SIMD8<Int32>(repeating: zeroPoint)
        let lo = SIMD8<Int32>(repeating: range.min), hi = SIMD8<Int32>(repeating: range.max)
        while c + 8 <= count {
            let x = a.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self) &<< load(leftShift, c)
            let h = Self.doublingHighMultiply(x, load(multiplier, c))
            let remainder = h & load(mask, c)
            let threshold = load(halfMask, c) &- (h &>> 31)
            var v = (h &>> load(rightShift, c)) &+ SIMD8<Int32>(repeating: 0).replacing(with: 1, where: remainder .> threshold)
            v = pointwiseMin(pointwiseMax(v &+ zp, lo), hi)
            o.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: v), toByteOffset: c, as: SIMD8<Int8>.self)
            c += 8
        }
        #endif
        while c < count {
            let v = requantizers.pointer[c].apply(acc[c]) &+ zeroPoint
            out[c] = Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
            c += 1
        }
    }

    #if TINYRUNTIME_AVX2
    @inline(__always)
    private func load(_ s: Scratch<Int32>, _ c: Int) -> SIMD8<Int32> {
        UnsafeRawPointer(s.pointer).loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self)
    }

    /// Low 32 bits of `(x · m + 2^30) >> 31` per lane (a logical shift gives
    /// the same low bits as an arithmetic one, which AVX2 lacks for 64-bit lanes).
    @inline(__always)
    private static func doublingHighMultiply(_ x: SIMD8<Int32>, _ m: SIMD8<Int32>) -> SIMD8<Int32> {
        let nudge = SIMD4<Int64>(repeating: 1 << 30)
        let low = SIMD4<Int64>(truncatingIfNeeded: x.lowHalf) &* SIMD4<Int64>(truncatingIfNeeded: m.lowHalf) &+ nudge
        let high = SIMD4<Int64>(truncatingIfNeeded: x.highHalf) &* SIMD4<Int64>(truncatingIfNeeded: m.highHalf) &+ nudge
        return SIMD8(lowHalf: SIMD4<Int32>(truncatingIfNeeded: SIMD4<UInt64>(truncatingIfNeeded: low) &>> 31),
                     highHalf: SIMD4<Int32>(truncatingIfNeeded: SIMD4<UInt64>(truncatingIfNeeded: high) &>> 31))
    }
    #endif
}
