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

    /// Transposes int8 rows `[channels][depth]` into float `[depth][paddedChannels]`.
    static func packTransposed(_ weights: [Int8], channels: Int, depth: Int) -> [Float] {
        let padded = paddedChannels(channels)
        var out = [Float](repeating: 0, count: depth * padded)
        for c in 0..<channels {
            for k in 0..<depth { out[k * padded + c] = Float(weights[c * depth + k]) }
        }
        return out
    }

    /// For each of `rows` (1...4) input rows `x + r * xStride` of `depth` floats:
    /// `out[r * channels + c] = bias[c] + Σ_k x[r][k] · w[k][c]` for every
    /// channel `c` of the padded weight matrix `w` (`depth × channels`).
    @inline(__always)
    static func multiply(_ x: UnsafePointer<Float>, xStride: Int, rows: Int, depth: Int,
                         _ w: UnsafePointer<Float>, channels: Int, bias: UnsafePointer<Int32>,
                         out: UnsafeMutablePointer<Int32>) {
        let wr = UnsafeRawPointer(w)
        var c = 0
        while c < channels {
            var i0 = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD8<Int32>.self)
            var i1 = i0, i2 = i0, i3 = i0
            var k0 = 0
            while k0 < depth {
                let k1 = min(k0 + maxExactTerms, depth)
                var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                if rows == 4 {
                    for k in k0..<k1 {
                        let wv = wr.loadUnaligned(fromByteOffset: (k * channels + c) * 4, as: Vector.self)
                        a0.addProduct(wv, x[k])
                        a1.addProduct(wv, x[xStride + k])
                        a2.addProduct(wv, x[2 * xStride + k])
                        a3.addProduct(wv, x[3 * xStride + k])
                    }
                } else {
                    for k in k0..<k1 {
                        let wv = wr.loadUnaligned(fromByteOffset: (k * channels + c) * 4, as: Vector.self)
                        a0.addProduct(wv, x[k])
                        if rows > 1 { a1.addProduct(wv, x[xStride + k]) }
                        if rows > 2 { a2.addProduct(wv, x[2 * xStride + k]) }
                    }
                }
                i0 &+= toInt32(a0)
                i1 &+= toInt32(a1)
                i2 &+= toInt32(a2)
                i3 &+= toInt32(a3)
                k0 = k1
            }
            let o = UnsafeMutableRawPointer(out)
            o.storeBytes(of: i0, toByteOffset: c * 4, as: SIMD8<Int32>.self)
            if rows > 1 { o.storeBytes(of: i1, toByteOffset: (channels + c) * 4, as: SIMD8<Int32>.self) }
            if rows > 2 { o.storeBytes(of: i2, toByteOffset: (2 * channels + c) * 4, as: SIMD8<Int32>.self) }
            if rows > 3 { o.storeBytes(of: i3, toByteOffset: (3 * channels + c) * 4, as: SIMD8<Int32>.self) }
            c += lanes
        }
    }
}

extension ExactGEMM {
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
    /// `self += v · s`, written so the optimizer can fuse it where FMA exists;
    /// both forms are exact here because every intermediate is an integer < 2^24.
    @inline(__always)
    mutating func addProduct(_ v: SIMD8<Float>, _ s: Float) {
        self += v * s
    }
}
