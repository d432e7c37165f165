#if TINYRUNTIME_AVX2
import _Builtin_intrinsics.intel
#endif

/// Per-channel requantization of int32 accumulators to int8, prepared once:
/// `out[c] = clamp(requantizers[c].apply(acc[c]) + zeroPoint)`, bit-exact with
/// TFLM's `MultiplyByQuantizedMultiplier`.
///
/// AVX2 builds requantize sixteen (or eight) channels per step: the doubling
/// high multiply is `(x · m + 2^30) >> 31` on 64-bit lanes, which equals
/// gemmlowp's `SaturatingRoundingDoublingHighMul` for every `x` because the
/// nudge `1 - 2^30` and the truncating division of a negative product together
/// floor `(x · m + 2^30) / 2^31` (and `m >= 0` rules out the saturating case).
/// The results plus the zero point are narrowed to int16 with saturation before
/// the clamp, which changes nothing: the activation range lies within int8.
/// Baseline x86-64 has no per-lane shifts or signed 64-bit multiplies, so it
/// keeps the scalar ``Requantizer/apply(_:)``.
final class ChannelRequantization {
    private let requantizers: Scratch<Requantizer>
    #if TINYRUNTIME_AVX2
    /// Per channel, padded to a multiple of 8: multiplier, left shift, right shift, mask, mask >> 1.
    private let multiplier: Scratch<Int32>, leftShift: Scratch<Int32>, rightShift: Scratch<Int32>
    private let mask: Scratch<Int32>, halfMask: Scratch<Int32>
    /// The multipliers of the odd channels moved to the even positions, where
    /// `vpmuldq` reads its operands.
    private let oddMultiplier: Scratch<Int32>
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
        let m = requantizers.map(\.multiplier) + padding
        oddMultiplier = Scratch(m.indices.map { $0 % 2 == 0 ? m[$0 + 1] : 0 }, padding: 0)
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
        let a = UnsafeRawPointer(acc)
        let zp = _mm256_set1_epi32(zeroPoint)
        let lo = Int16(truncatingIfNeeded: range.min), hi = Int16(truncatingIfNeeded: range.max)
        let order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7)
        while c + 16 <= count {
            // Saturating packs interleave the halves of the two vectors; the permute restores channel order.
            let words = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(scaled(a, c, zp), scaled(a, c + 8, zp)), order)
            let clamped = _mm256_min_epi16(_mm256_max_epi16(words, _mm256_set1_epi16(lo)), _mm256_set1_epi16(hi))
            let bytes = _mm_packs_epi16(_mm256_castsi256_si128(clamped), clamped.highHalf)
            UnsafeMutableRawPointer(out + c).storeBytes(of: bytes, as: __m128i.self)
            c += 16
        }
        if c + 8 <= count {
            let v = scaled(a, c, zp)
            let words = _mm_packs_epi32(_mm256_castsi256_si128(v), v.highHalf)
            let clamped = _mm_min_epi16(_mm_max_epi16(words, _mm_set1_epi16(lo)), _mm_set1_epi16(hi))
            UnsafeMutableRawPointer(out + c).storeBytes(of: _mm_cvtsi128_si64(_mm_packs_epi16(clamped, clamped)), as: Int64.self)
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
    private func load(_ s: Scratch<Int32>, _ c: Int) -> __m256i {
        UnsafeRawPointer(s.pointer).loadUnaligned(fromByteOffset: c * 4, as: __m256i.self)
    }

    /// `MultiplyByQuantizedMultiplier(acc[c + i]) + zeroPoint` for channels `c..<c + 8`.
    @inline(__always)
    private func scaled(_ acc: UnsafeRawPointer, _ c: Int, _ zeroPoint: __m256i) -> __m256i {
        let x = _mm256_sllv_epi32(acc.loadUnaligned(fromByteOffset: c * 4, as: __m256i.self), load(leftShift, c))
        // (x · m + 2^30) >> 31 on the even lanes and, shifted into place, the odd ones.
        let nudge = _mm256_set1_epi64x(1 << 30)
        let even = _mm256_add_epi64(_mm256_mul_epi32(x, load(multiplier, c)), nudge)
        let odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), load(oddMultiplier, c)), nudge)
        let h = _mm256_blendv_epi8(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), _mm256_set1_epi64x(-1 << 32))
        // Rounding right shift: round half away from zero, as gemmlowp's RoundingDivideByPOT.
        let remainder = _mm256_and_si256(h, load(mask, c))
        let threshold = _mm256_sub_epi32(load(halfMask, c), _mm256_srai_epi32(h, 31))
        let shifted = _mm256_sub_epi32(_mm256_srav_epi32(h, load(rightShift, c)), _mm256_cmpgt_epi32(remainder, threshold))
        return _mm256_add_epi32(shifted, zeroPoint)
    }
    #endif
}
