/// Integer matrix products computed exactly with float arithmetic.
///
/// The operands of TFLM's int8 kernels are `x - zeroPoint` (|·| ≤ 255) and an
/// int8 weight (|·| ≤ 128), so one product is at most 32 640 in magnitude and
/// any sum of at most ``maxExactTerms`` products stays below 2^22: every
/// partial sum is an integer that a float holds exactly, and ``toInt32(_:)``
/// converts it exactly. Summing chunks of that many terms in float and the
/// chunks in int32 is therefore exact, and float multiply-add vectorizes on
/// every target (32-bit integer multiplies do not on baseline x86-64).
enum ExactGEMM {
    /// ⌊2^22 / (255 · 128)⌋: products a float accumulator sums exactly and
    /// ``toInt32(_:)`` converts exactly.
    static let maxExactTerms = 128
    /// Output channels computed per vector.
    static let lanes = 8
    typealias Vector = SIMD8<Float>

    static func paddedChannels(_ n: Int) -> Int { (n + lanes - 1) / lanes * lanes }

    /// Transposes int8 rows `[channels][depth]` into `[depth][paddedChannels]`.
    static func packTransposed<W: PackedWeight>(_ weights: [Int8], channels: Int, depth: Int, as _: W.Type) -> [W] {
        let padded = paddedChannels(channels)
        var out = [W](repeating: W(0), count: depth * padded)
        for c in 0..<channels {
            for k in 0..<depth { out[k * padded + c] = W(weights[c * depth + k]) }
        }
        return out
    }

    /// For each of `rows` input rows `x + r * xStride` of `depth` floats:
    /// `out[r * channels + c] = bias[c] + Σ_k x[r][k] · w[k][c]` for every
    /// channel `c` of the padded weight matrix `w` (`depth × channels`).
    ///
    /// Four rows share each weight load; a lone row instead runs four channel
    /// blocks at once, so there are always four independent accumulators.
    @inline(__always)
    static func multiply<W: PackedWeight>(_ x: UnsafePointer<Float>, xStride: Int, rows: Int, depth: Int,
                                          _ w: UnsafePointer<W>, channels: Int, bias: UnsafePointer<Int32>,
                                          out: UnsafeMutablePointer<Int32>) {
        var r = 0
        while r + 4 <= rows {
            fourRows(x + r * xStride, xStride: xStride, depth: depth, w, channels: channels, bias: bias,
                     out: out + r * channels)
            r += 4
        }
        while r < rows {
            oneRow(x + r * xStride, depth: depth, w, channels: channels, bias: bias, out: out + r * channels)
            r += 1
        }
    }

    @inline(__always)
    private static func fourRows<W: PackedWeight>(_ x: UnsafePointer<Float>, xStride: Int, depth: Int,
                                                  _ w: UnsafePointer<W>, channels: Int, bias: UnsafePointer<Int32>,
                                                  out: UnsafeMutablePointer<Int32>) {
        let wr = UnsafeRawPointer(w)
        let o = UnsafeMutableRawPointer(out)
        let x0 = x, x1 = x + xStride, x2 = x + 2 * xStride, x3 = x + 3 * xStride
        var c = 0
        while c < channels {
            var i0 = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD8<Int32>.self)
            var i1 = i0, i2 = i0, i3 = i0
            var k0 = 0
            while k0 < depth {
                let k1 = min(k0 + maxExactTerms, depth)
                var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                // Running pointer: the hot loop does no index arithmetic (or its overflow checks).
                var wp = wr + (k0 &* channels &+ c) &* W.stride
                let step = channels &* W.stride
                var k = k0
                while k < k1 {
                    let wv = W.load(wp)
                    a0.addProduct(wv, x0[k])
                    a1.addProduct(wv, x1[k])
                    a2.addProduct(wv, x2[k])
                    a3.addProduct(wv, x3[k])
                    wp += step
                    k &+= 1
                }
                i0 &+= toInt32(a0)
                i1 &+= toInt32(a1)
                i2 &+= toInt32(a2)
                i3 &+= toInt32(a3)
                k0 = k1
            }
            o.storeBytes(of: i0, toByteOffset: c * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i1, toByteOffset: (channels + c) * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i2, toByteOffset: (2 * channels + c) * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i3, toByteOffset: (3 * channels + c) * 4, as: SIMD8<Int32>.self)
            c += lanes
        }
    }

    @inline(__always)
    private static func oneRow<W: PackedWeight>(_ x: UnsafePointer<Float>, depth: Int, _ w: UnsafePointer<W>,
                                                channels: Int, bias: UnsafePointer<Int32>,
                                                out: UnsafeMutablePointer<Int32>) {
        let wr = UnsafeRawPointer(w)
        let o = UnsafeMutableRawPointer(out)
        let b = UnsafeRawPointer(bias)
        var c = 0
        while c + 4 * lanes <= channels {
            var i0 = b.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self)
            var i1 = b.loadUnaligned(fromByteOffset: (c + lanes) * 4, as: SIMD8<Int32>.self)
            var i2 = b.loadUnaligned(fromByteOffset: (c + 2 * lanes) * 4, as: SIMD8<Int32>.self)
            var i3 = b.loadUnaligned(fromByteOffset: (c + 3 * lanes) * 4, as: SIMD8<Int32>.self)
            var k0 = 0
            while k0 < depth {
                let k1 = min(k0 + maxExactTerms, depth)
                var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                var wp = wr + (k0 &* channels &+ c) &* W.stride
                let step = channels &* W.stride, block = lanes &* W.stride
                var k = k0
                while k < k1 {
                    let xv = x[k]
                    a0.addProduct(W.load(wp), xv)
                    a1.addProduct(W.load(wp + block), xv)
                    a2.addProduct(W.load(wp + 2 &* block), xv)
                    a3.addProduct(W.load(wp + 3 &* block), xv)
                    wp += step
                    k &+= 1
                }
                i0 &+= toInt32(a0)
                i1 &+= toInt32(a1)
                i2 &+= toInt32(a2)
                i3 &+= toInt32(a3)
                k0 = k1
            }
            o.storeBytes(of: i0, toByteOffset: c * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i1, toByteOffset: (c + lanes) * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i2, toByteOffset: (c + 2 * lanes) * 4, as: SIMD8<Int32>.self)
            o.storeBytes(of: i3, toByteOffset: (c + 3 * lanes) * 4, as: SIMD8<Int32>.self)
            c += 4 * lanes
        }
        while c < channels {
            var i0 = b.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Int32>.self)
            var k0 = 0
            while k0 < depth {
                let k1 = min(k0 + maxExactTerms, depth)
                var a0 = Vector()
                var wp = wr + (k0 &* channels &+ c) &* W.stride
                let step = channels &* W.stride
                var k = k0
                while k < k1 {
                    a0.addProduct(W.load(wp), x[k])
                    wp += step
                    k &+= 1
                }
                i0 &+= toInt32(a0)
                k0 = k1
            }
            o.storeBytes(of: i0, toByteOffset: c * 4, as: SIMD8<Int32>.self)
            c += lanes
        }
    }
}

/// Storage of fully connected weights, which are read once per inference:
/// int8 where widening them is cheap (AVX2), floats on baseline x86-64, where
/// widening costs more than the extra memory traffic.
#if TINYRUNTIME_AVX2
typealias StreamedWeight = Int8
#else
typealias StreamedWeight = Float
#endif

/// How packed weights are stored: as floats (no conversion in the inner loop;
/// best when the weights are reused across many output pixels) or as int8
/// (a quarter of the memory; best when each weight is used once per inference,
/// as in a fully connected layer, where memory traffic dominates).
protocol PackedWeight {
    init(_ value: Int8)
    /// The eight weights at `p` as floats.
    static func load(_ p: UnsafeRawPointer) -> ExactGEMM.Vector
}

extension PackedWeight {
    static var stride: Int { MemoryLayout<Self>.stride }
}

extension Float: PackedWeight {
    @inline(__always)
    static func load(_ p: UnsafeRawPointer) -> ExactGEMM.Vector {
        p.loadUnaligned(as: ExactGEMM.Vector.self)
    }
}

extension Int8: PackedWeight {
    @inline(__always)
    static func load(_ p: UnsafeRawPointer) -> ExactGEMM.Vector {
        // Lane by lane rather than the generic conversion, which the optimizer
        // may leave as a call in the inner loop; this form becomes one vpmovsxbd.
        let bytes = p.loadUnaligned(as: SIMD8<Int8>.self)
        var v = SIMD8<Int32>()
        for i in 0..<8 { v[i] = Int32(bytes[i]) }
        return ExactGEMM.toFloat(v)
    }
}

extension ExactGEMM {
    /// Converts integers of magnitude below 2^22 to float exactly (the reverse
    /// of ``toInt32(_:)``).
    @inline(__always)
    static func toFloat(_ v: SIMD8<Int32>) -> Vector {
        unsafeBitCast(v &+ SIMD8<Int32>(repeating: 0x4B40_0000), to: Vector.self) - Vector(repeating: 12_582_912)
    }

    /// Converts floats holding integers of magnitude below 2^22 to Int32
    /// exactly: adding 1.5 · 2^23 puts the integer in the low mantissa bits.
    /// (The standard library's generic conversion is element by element.)
    @inline(__always)
    static func toInt32(_ v: SIMD8<Float>) -> SIMD8<Int32> {
        let shifted = v + SIMD8<Float>(repeating: 12_582_912)
        return unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
    }
}

extension SIMD8<Float> {
    /// `self += v · s`. Builds for AVX2/FMA CPUs (`-D TINYRUNTIME_AVX2`, set by
    /// the Makefile together with `-target-cpu haswell`) fuse the two steps;
    /// without hardware FMA a fused multiply-add would be a library call per lane. Both forms give the same result: every value is an integer
    /// below 2^22, so neither rounds.
    @inline(__always)
    mutating func addProduct(_ v: SIMD8<Float>, _ s: Float) {
        #if TINYRUNTIME_AVX2
        self = addingProduct(v, s)
        #else
        self += v * s
        #endif
    }

    /// `self += a · b`, lane by lane, fused like ``addProduct(_:_:)-(SIMD8<Float>,Float)``.
    @inline(__always)
    mutating func addProduct(_ a: SIMD8<Float>, _ b: SIMD8<Float>) {
        #if TINYRUNTIME_AVX2
        self = addingProduct(a, b)
        #else
        self += a * b
        #endif
    }
}

extension ExactGEMM {
    /// `dst[i] = Float(src[i]) - zeroPoint` for `count` int8 values, sixteen
    /// at a time (integers below 2^22 convert exactly through the same
    /// mantissa trick as ``toInt32(_:)``, in reverse).
    @inline(__always)
    static func widen(_ src: UnsafePointer<Int8>, to dst: UnsafeMutablePointer<Float>, count: Int, zeroPoint: Int32) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        let bias = SIMD16<Int32>(repeating: 0x4B40_0000 &- zeroPoint)
        let magic = SIMD16<Float>(repeating: 12_582_912)
        var i = 0
        while i + 16 <= count {
            let v = SIMD16<Int32>(truncatingIfNeeded: s.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self))
            d.storeBytes(of: unsafeBitCast(v &+ bias, to: SIMD16<Float>.self) - magic, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        let zp = Float(zeroPoint)
        while i < count {
            dst[i] = Float(src[i]) - zp
            i += 1
        }
    }
}
