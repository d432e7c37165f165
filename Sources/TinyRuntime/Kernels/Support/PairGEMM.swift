#if TINYRUNTIME_AVX2
import _Builtin_intrinsics.intel

/// Conv2D's products on AVX2 in integers: `vpmaddwd` multiplies sixteen int16
/// pairs and sums each pair into an int32 lane, twice the products of a float
/// FMA per instruction.
///
/// Exact: an operand `x − zeroPoint` (|·| ≤ 255) and an int8 weight fit int16,
/// a pair sums to at most 2 · 255 · 128 (no saturation), and the int32 sums are
/// TFLM's int32 accumulator (no flush needed, unlike float sums). LLVM does not
/// form `vpmaddwd` from Swift SIMD code for a register-blocked tile, hence the
/// intrinsics.
///
/// The reduction runs over pairs of adjacent terms `(k, k + 1)`. A panel of
/// `w` (16 or 8) channels is `[depth / 2][w][2]` int16, so one 32-bit broadcast
/// of an input pair meets one pair per channel. Rows are read in place as
/// ``PanelGEMM/Segments`` of int16 values of even length (a caller with runs of
/// odd length pads their weights with a zero and lets a segment read one value
/// past its run).
enum PairGEMM {
    static let width = 16
    typealias Rows = (UnsafePointer<Int16>, UnsafePointer<Int16>, UnsafePointer<Int16>, UnsafePointer<Int16>)

    /// Packs int8 weights `[channels][depth]`, whose reduction runs in groups of
    /// `groupLength` terms, each padded to `paddedGroupLength` with zero weights,
    /// into panels: panel `p` starts at `16 · p · paddedDepth` and holds
    /// `[paddedDepth / 2][w][2]`, `w` = 16 or 8. Channels are padded with zero
    /// weights to ``ExactGEMM/paddedChannels(_:)``.
    static func pack(_ weights: [Int8], channels: Int, depth: Int, groupLength: Int, paddedGroupLength: Int) -> [Int16] {
        let padded = ExactGEMM.paddedChannels(channels)
        let paddedDepth = groupLength > 0 ? depth / groupLength * paddedGroupLength : 0
        var out = [Int16](repeating: 0, count: padded * paddedDepth)
        for c in 0..<channels {
            let start = c / width * width
            let w = min(width, padded - start)
            for k in 0..<depth {
                let kp = k / groupLength * paddedGroupLength + k % groupLength
                out[start * paddedDepth + (kp / 2 * w + c - start) * 2 + kp % 2] = Int16(weights[c * depth + k])
            }
        }
        return out
    }

    /// `dst[i] = src[i] − zeroPoint` for `count` int8 values, sixteen at a time.
    @inline(__always)
    static func widen(_ src: UnsafePointer<Int8>, to dst: UnsafeMutablePointer<Int16>, count: Int, zeroPoint: Int32) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        let zp = Int16(truncatingIfNeeded: zeroPoint), z = SIMD16<Int16>(repeating: zp)
        var i = 0
        while i + 16 <= count {
            let v = SIMD16<Int16>(truncatingIfNeeded: s.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self))
            d.storeBytes(of: v &- z, toByteOffset: i * 2, as: SIMD16<Int16>.self)
            i += 16
        }
        while i < count {
            dst[i] = Int16(src[i]) &- zp
            i += 1
        }
    }

    /// For the four rows `x` and the panel of `width` (16 or 8) channels at
    /// `panel`: `out[r · outStride + c] = bias[c] + Σ_k x[r][k] · w[k][c]`.
    @inline(__always)
    static func fourRows(_ x: Rows, _ segments: PanelGEMM.Segments, panel: UnsafePointer<Int16>, width: Int,
                         bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        if width == Self.width {
            sixteen(x, segments, panel, bias: bias, out: out, outStride: outStride)
        } else {
            eight(x, segments, panel, bias: bias, out: out, outStride: outStride)
        }
    }

    /// The pair `(x[k], x[k + 1])` at `p` (`k` even) in all eight lanes.
    @inline(__always)
    private static func pair(_ p: UnsafeRawPointer, _ byteOffset: Int) -> __m256i {
        _mm256_set1_epi32(p.loadUnaligned(fromByteOffset: byteOffset, as: Int32.self))
    }

    @inline(__always)
    private static func dot(_ acc: inout __m256i, _ x: __m256i, _ w: __m256i) {
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, w))
    }

    @inline(__always)
    private static func sixteen(_ x: Rows, _ segments: PanelGEMM.Segments, _ panel: UnsafePointer<Int16>,
                                bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        let b = UnsafeRawPointer(bias)
        let bl = b.loadUnaligned(as: __m256i.self), bh = b.loadUnaligned(fromByteOffset: 32, as: __m256i.self)
        var a00 = bl, a01 = bh, a10 = bl, a11 = bh, a20 = bl, a21 = bh, a30 = bl, a31 = bh
        var wp = UnsafeRawPointer(panel)
        let bytes = segments.length &* 2
        for s in 0..<segments.count {
            let offset = segments.offsets[s]
            let x0 = UnsafeRawPointer(x.0 + offset), x1 = UnsafeRawPointer(x.1 + offset)
            let x2 = UnsafeRawPointer(x.2 + offset), x3 = UnsafeRawPointer(x.3 + offset)
            var k = 0
            while k < bytes {
                let w0 = wp.loadUnaligned(as: __m256i.self), w1 = wp.loadUnaligned(fromByteOffset: 32, as: __m256i.self)
                let s0 = pair(x0, k)
                dot(&a00, s0, w0); dot(&a01, s0, w1)
                let s1 = pair(x1, k)
                dot(&a10, s1, w0); dot(&a11, s1, w1)
                let s2 = pair(x2, k)
                dot(&a20, s2, w0); dot(&a21, s2, w1)
                let s3 = pair(x3, k)
                dot(&a30, s3, w0); dot(&a31, s3, w1)
                wp += 64
                k &+= 4
            }
        }
        let o = UnsafeMutableRawPointer(out), row = outStride * 4
        o.storeBytes(of: a00, as: __m256i.self)
        o.storeBytes(of: a01, toByteOffset: 32, as: __m256i.self)
        o.storeBytes(of: a10, toByteOffset: row, as: __m256i.self)
        o.storeBytes(of: a11, toByteOffset: row + 32, as: __m256i.self)
        o.storeBytes(of: a20, toByteOffset: 2 * row, as: __m256i.self)
        o.storeBytes(of: a21, toByteOffset: 2 * row + 32, as: __m256i.self)
        o.storeBytes(of: a30, toByteOffset: 3 * row, as: __m256i.self)
        o.storeBytes(of: a31, toByteOffset: 3 * row + 32, as: __m256i.self)
    }

    @inline(__always)
    private static func eight(_ x: Rows, _ segments: PanelGEMM.Segments, _ panel: UnsafePointer<Int16>,
                              bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        let b = UnsafeRawPointer(bias).loadUnaligned(as: __m256i.self)
        var a0 = b, a1 = b, a2 = b, a3 = b
        var wp = UnsafeRawPointer(panel)
        let bytes = segments.length &* 2
        for s in 0..<segments.count {
            let offset = segments.offsets[s]
            let x0 = UnsafeRawPointer(x.0 + offset), x1 = UnsafeRawPointer(x.1 + offset)
            let x2 = UnsafeRawPointer(x.2 + offset), x3 = UnsafeRawPointer(x.3 + offset)
            var k = 0
            while k < bytes {
                let wv = wp.loadUnaligned(as: __m256i.self)
                dot(&a0, pair(x0, k), wv)
                dot(&a1, pair(x1, k), wv)
                dot(&a2, pair(x2, k), wv)
                dot(&a3, pair(x3, k), wv)
                wp += 32
                k &+= 4
            }
        }
        let o = UnsafeMutableRawPointer(out), row = outStride * 4
        o.storeBytes(of: a0, as: __m256i.self)
        o.storeBytes(of: a1, toByteOffset: row, as: __m256i.self)
        o.storeBytes(of: a2, toByteOffset: 2 * row, as: __m256i.self)
        o.storeBytes(of: a3, toByteOffset: 3 * row, as: __m256i.self)
    }
}
#endif
