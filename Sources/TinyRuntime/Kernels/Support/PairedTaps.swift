#if TINYRUNTIME_AVX2
import _Builtin_intrinsics.intel

/// DEPTHWISE_CONV_2D's taps on AVX2 as int16 pairs for `vpmaddwd` (exact for
/// the reasons given in ``PairGEMM``): two taps of a channel per product pair,
/// int32 sums.
///
/// Taps are paired along a filter row, `(kx, kx + 1)`, or down the column when
/// the filter is one tap wide; a row's odd tap out pairs with a zero weight.
/// Eval widens the input into a zero-bordered int16 buffer and interleaves it
/// with itself shifted by the distance `D` of a pair's second tap, so the
/// buffer `paired[i][c] = (x[i][c], x[i + D][c])` meets the packed weight
/// pairs `[pair][channel][2]` with one load per pixel, pair and eight channels.
final class PairedTaps {
    /// `[pair][padded][2]`.
    private let weights: Scratch<Int16>
    /// Byte offset of each pair's first tap from a pixel's first tap in `paired`.
    private let offsets: Scratch<Int>
    private let pairCount: Int
    /// `[border + y][border + x][padded]`, then `distance` zeros of slack.
    private let widened: Scratch<Int16>
    /// `[border + y][border + x][padded][2]`.
    let paired: Scratch<Int16>
    /// Elements of `widened` between a pair's two taps.
    private let distance: Int
    /// Pixels of the zero-bordered input.
    private let pixels: Int

    /// Packs `raw` (`[kh][kw][channels]` int8 weights) into pairs and sizes the
    /// buffers for `pixels` zero-bordered input pixels, `paddedWidth` per row.
    init(_ raw: [Int8], kh: Int, kw: Int, channels: Int, padded: Int, dilationH: Int, dilationW: Int,
         paddedWidth: Int, pixels: Int) {
        let alongRow = kw > 1
        // (first tap, second tap or nil) in filter coordinates.
        var list = [(Int, Int?)]()
        if alongRow {
            for ky in 0..<kh {
                for kx in stride(from: 0, to: kw, by: 2) { list.append((ky * kw + kx, kx + 1 < kw ? ky * kw + kx + 1 : nil)) }
            }
        } else {
            for ky in stride(from: 0, to: kh, by: 2) { list.append((ky, ky + 1 < kh ? ky + 1 : nil)) }
        }
        var packed = [Int16](repeating: 0, count: max(list.count * padded * 2, 1))
        for (j, pair) in list.enumerated() {
            for c in 0..<channels {
                packed[(j * padded + c) * 2] = Int16(raw[pair.0 * channels + c])
                if let t = pair.1 { packed[(j * padded + c) * 2 + 1] = Int16(raw[t * channels + c]) }
            }
        }
        weights = Scratch(packed, padding: 0)
        offsets = Scratch(list.map { pair in
            ((pair.0 / kw) * dilationH * paddedWidth + (pair.0 % kw) * dilationW) * padded * 4 }, padding: 0)
        pairCount = list.count
        distance = (alongRow ? dilationW : dilationH * paddedWidth) * padded
        self.pixels = pixels
        widened = Scratch(count: pixels * padded + distance, value: 0)
        paired = Scratch(count: pixels * padded * 2, value: 0)
    }

    /// Widens `image` minus the zero point (channels repeated `multiplier`
    /// times) inside the zero border, then interleaves the pairs.
    func load(_ image: UnsafePointer<Int8>, zeroPoint: Int32, multiplier: Int, inChannels: Int,
              h: SpatialGeometry, w: SpatialGeometry, paddedWidth: Int, padded: Int) {
        let zp = Int16(truncatingIfNeeded: zeroPoint)
        var src = image
        for y in 0..<h.input {
            let dst = widened.pointer + ((h.padBefore + y) * paddedWidth + w.padBefore) * padded
            if multiplier == 1 && padded == inChannels {
                PairGEMM.widen(src, to: dst, count: w.input * inChannels, zeroPoint: zeroPoint)
                src += w.input * inChannels
                continue
            }
            var d = dst
            for _ in 0..<w.input {
                for ch in 0..<inChannels {
                    let v = Int16(src[ch]) &- zp
                    for m in 0..<multiplier { d[ch * multiplier + m] = v }
                }
                src += inChannels
                d += padded
            }
        }
        // Running pointers and wrapping arithmetic: no index arithmetic or overflow checks in the loop.
        var a = UnsafeRawPointer(widened.pointer), q = UnsafeMutableRawPointer(paired.pointer)
        let end = a + pixels &* padded &* 2, far = distance &* 2
        while a < end {
            let x = a.loadUnaligned(as: __m128i.self), y = a.loadUnaligned(fromByteOffset: far, as: __m128i.self)
            q.storeBytes(of: _mm_unpacklo_epi16(x, y), as: __m128i.self)
            q.storeBytes(of: _mm_unpackhi_epi16(x, y), toByteOffset: 16, as: __m128i.self)
            a += 16
            q += 32
        }
    }

    /// Bias plus every tap of channels `channel..<channel + 8` for `pixels` (4
    /// or 1) pixels `pixel + j · step` of `paired`, stored `padded` apart.
    @inline(__always)
    func sum(_ pixel: UnsafeRawPointer, step: Int, pixels: Int, channel: Int, padded: Int,
             bias: UnsafePointer<Int32>, into totals: UnsafeMutablePointer<Int32>) {
        let b = UnsafeRawPointer(bias).loadUnaligned(as: __m256i.self)
        let x = pixel + channel * 4
        var wp = UnsafeRawPointer(weights.pointer + channel * 2)
        let wStep = padded * 4, off = offsets.pointer
        let o = UnsafeMutableRawPointer(totals), stride = padded * 4
        if pixels == 4 {
            var a0 = b, a1 = b, a2 = b, a3 = b
            for j in 0..<pairCount {
                let wv = wp.loadUnaligned(as: __m256i.self)
                let xp = x + off[j]
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xp.loadUnaligned(as: __m256i.self), wv))
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xp.loadUnaligned(fromByteOffset: step, as: __m256i.self), wv))
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xp.loadUnaligned(fromByteOffset: 2 &* step, as: __m256i.self), wv))
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xp.loadUnaligned(fromByteOffset: 3 &* step, as: __m256i.self), wv))
                wp += wStep
            }
            o.storeBytes(of: a0, as: __m256i.self)
            o.storeBytes(of: a1, toByteOffset: stride, as: __m256i.self)
            o.storeBytes(of: a2, toByteOffset: 2 * stride, as: __m256i.self)
            o.storeBytes(of: a3, toByteOffset: 3 * stride, as: __m256i.self)
        } else {
            var a0 = b
            for j in 0..<pairCount {
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16((x + off[j]).loadUnaligned(as: __m256i.self), wp.loadUnaligned(as: __m256i.self)))
                wp += wStep
            }
            o.storeBytes(of: a0, as: __m256i.self)
        }
    }
}
#endif
