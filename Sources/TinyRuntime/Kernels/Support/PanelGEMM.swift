/// Conv2D's products on builds without AVX2 (AVX2 builds use ``PairGEMM``),
/// exact like ``ExactGEMM`` (float sums of at most ``ExactGEMM/maxExactTerms``
/// int8 products, flushed into int32), on weights packed once in prepare into
/// panels of 16 output channels.
///
/// A panel is `[depth][16]` floats, contiguous, so the inner loop streams it
/// with no stride. Four input rows times sixteen channels make eight
/// independent accumulators, enough to cover the FMA latency, and each
/// iteration does two weight loads and four broadcasts for eight multiply-adds.
/// A last panel of only 8 channels (channel counts that are 8 mod 16) runs four
/// rows times eight channels. The caller runs one panel over many rows before
/// the next, so the panel stays in cache while it is reused.
///
/// A row is not copied into a patch: it is read in place as ``Segments``, runs
/// of contiguous floats at fixed offsets from the row's first element (for a
/// convolution, one run per filter row of the zero-bordered input).
enum PanelGEMM {
    static let width = 16
    typealias Vector = ExactGEMM.Vector
    typealias Rows = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)

    /// How a row of `count · length` values lies in memory: run `s` starts
    /// `offsets[s]` floats after the row's start.
    struct Segments {
        let offsets: UnsafePointer<Int>
        let count: Int
        let length: Int
    }

    /// Packs int8 weights `[channels][depth]` into panels: panel `p` starts at
    /// `16 · p · depth` and holds its channels `[depth][w]`, `w` = 16 or 8.
    /// Channels are padded with zero weights to ``ExactGEMM/paddedChannels(_:)``.
    static func pack(_ weights: [Int8], channels: Int, depth: Int) -> [Float] {
        let padded = ExactGEMM.paddedChannels(channels)
        var out = [Float](repeating: 0, count: padded * depth)
        for c in 0..<channels {
            let start = c / width * width
            let w = min(width, padded - start)
            for k in 0..<depth { out[start * depth + k * w + c - start] = Float(weights[c * depth + k]) }
        }
        return out
    }

    /// For the four rows `x` and the panel of `width` (16 or 8) channels at
    /// `panel`: `out[r · outStride + c] = bias[c] + Σ_k x[r][k] · w[k][c]`.
    @inline(__always)
    static func fourRows(_ x: Rows, _ segments: Segments, panel: UnsafePointer<Float>, width: Int,
                         bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        if width == Self.width {
            sixteen(x, segments, panel, bias: bias, out: out, outStride: outStride)
        } else {
            eight(x, segments, panel, bias: bias, out: out, outStride: outStride)
        }
    }

    /// Calls `body(offset, start, end)` for chunks of the segments' terms, each
    /// within one segment, and `flush()` before the float sums would exceed
    /// ``ExactGEMM/maxExactTerms`` terms and at the end.
    @inline(__always)
    private static func chunks(_ segments: Segments, _ body: (Int, Int, Int) -> Void, flush: () -> Void) {
        var terms = 0
        for s in 0..<segments.count {
            var start = 0
            while start < segments.length {
                let end = min(start + ExactGEMM.maxExactTerms, segments.length)
                if terms + end - start > ExactGEMM.maxExactTerms {
                    flush()
                    terms = 0
                }
                body(segments.offsets[s], start, end)
                terms += end - start
                start = end
            }
        }
        flush()
    }

    @inline(__always)
    private static func sixteen(_ x: Rows, _ segments: Segments, _ panel: UnsafePointer<Float>,
                                bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        let b = UnsafeRawPointer(bias)
        let bl = b.loadUnaligned(as: SIMD8<Int32>.self), bh = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
        var i0 = (bl, bh), i1 = (bl, bh), i2 = (bl, bh), i3 = (bl, bh)
        var a00 = Vector(), a01 = Vector(), a10 = Vector(), a11 = Vector()
        var a20 = Vector(), a21 = Vector(), a30 = Vector(), a31 = Vector()
        var wp = UnsafeRawPointer(panel)
        chunks(segments, { offset, start, end in
            let x0 = x.0 + offset, x1 = x.1 + offset, x2 = x.2 + offset, x3 = x.3 + offset
            var k = start
            while k < end {
                let w0 = wp.loadUnaligned(as: Vector.self), w1 = wp.loadUnaligned(fromByteOffset: 32, as: Vector.self)
                let s0 = x0[k], s1 = x1[k], s2 = x2[k], s3 = x3[k]
                a00.addProduct(w0, s0); a01.addProduct(w1, s0)
                a10.addProduct(w0, s1); a11.addProduct(w1, s1)
                a20.addProduct(w0, s2); a21.addProduct(w1, s2)
                a30.addProduct(w0, s3); a31.addProduct(w1, s3)
                wp += 64
                k &+= 1
            }
        }, flush: {
            i0 = (i0.0 &+ ExactGEMM.toInt32(a00), i0.1 &+ ExactGEMM.toInt32(a01))
            i1 = (i1.0 &+ ExactGEMM.toInt32(a10), i1.1 &+ ExactGEMM.toInt32(a11))
            i2 = (i2.0 &+ ExactGEMM.toInt32(a20), i2.1 &+ ExactGEMM.toInt32(a21))
            i3 = (i3.0 &+ ExactGEMM.toInt32(a30), i3.1 &+ ExactGEMM.toInt32(a31))
            a00 = Vector(); a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00; a30 = a00; a31 = a00
        })
        let o = UnsafeMutableRawPointer(out), row = outStride * 4
        o.storeBytes(of: i0.0, as: SIMD8<Int32>.self)
        o.storeBytes(of: i0.1, toByteOffset: 32, as: SIMD8<Int32>.self)
        o.storeBytes(of: i1.0, toByteOffset: row, as: SIMD8<Int32>.self)
        o.storeBytes(of: i1.1, toByteOffset: row + 32, as: SIMD8<Int32>.self)
        o.storeBytes(of: i2.0, toByteOffset: 2 * row, as: SIMD8<Int32>.self)
        o.storeBytes(of: i2.1, toByteOffset: 2 * row + 32, as: SIMD8<Int32>.self)
        o.storeBytes(of: i3.0, toByteOffset: 3 * row, as: SIMD8<Int32>.self)
        o.storeBytes(of: i3.1, toByteOffset: 3 * row + 32, as: SIMD8<Int32>.self)
    }

    @inline(__always)
    private static func eight(_ x: Rows, _ segments: Segments, _ panel: UnsafePointer<Float>,
                              bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>, outStride: Int) {
        let b = UnsafeRawPointer(bias).loadUnaligned(as: SIMD8<Int32>.self)
        var i0 = b, i1 = b, i2 = b, i3 = b
        var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
        var wp = UnsafeRawPointer(panel)
        chunks(segments, { offset, start, end in
            let x0 = x.0 + offset, x1 = x.1 + offset, x2 = x.2 + offset, x3 = x.3 + offset
            var k = start
            while k < end {
                let wv = wp.loadUnaligned(as: Vector.self)
                a0.addProduct(wv, x0[k])
                a1.addProduct(wv, x1[k])
                a2.addProduct(wv, x2[k])
                a3.addProduct(wv, x3[k])
                wp += 32
                k &+= 1
            }
        }, flush: {
            i0 &+= ExactGEMM.toInt32(a0)
            i1 &+= ExactGEMM.toInt32(a1)
            i2 &+= ExactGEMM.toInt32(a2)
            i3 &+= ExactGEMM.toInt32(a3)
            a0 = Vector(); a1 = a0; a2 = a0; a3 = a0
        })
        let o = UnsafeMutableRawPointer(out), row = outStride * 4
        o.storeBytes(of: i0, as: SIMD8<Int32>.self)
        o.storeBytes(of: i1, toByteOffset: row, as: SIMD8<Int32>.self)
        o.storeBytes(of: i2, toByteOffset: 2 * row, as: SIMD8<Int32>.self)
        o.storeBytes(of: i3, toByteOffset: 3 * row, as: SIMD8<Int32>.self)
    }
}
