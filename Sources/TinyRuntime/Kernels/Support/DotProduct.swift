/// Integer dot products over int16 operands with int32 accumulation.
///
/// Accumulation order does not affect exactness (integer addition is exact as
/// long as it cannot overflow, and int8 × int8 sums of the sizes used here
/// cannot), so the loops are written for the vector units.
enum DotProduct {
    /// Lanes per step; operand buffers are padded with zeros to a multiple of it.
    static let lanes = 16

    static func paddedLength(_ n: Int) -> Int { (n + lanes - 1) / lanes * lanes }

    /// `rows` dot products of `x` (length `length`, a multiple of ``lanes``)
    /// with consecutive rows of `w` (row stride `length`), added to `bias` and
    /// written to `out`.
    @inline(__always)
    static func rows(_ x: UnsafePointer<Int16>, _ w: UnsafePointer<Int16>, length: Int, rows: Int,
                     bias: UnsafePointer<Int32>, out: UnsafeMutablePointer<Int32>) {
        let xr = UnsafeRawPointer(x)
        var r = 0
        // Four rows at a time reuse each loaded slice of x four times.
        while r + 4 <= rows {
            let w0 = UnsafeRawPointer(w + r * length)
            let w1 = w0 + length * 2, w2 = w1 + length * 2, w3 = w2 + length * 2
            var a0 = SIMD16<Int32>(), a1 = SIMD16<Int32>(), a2 = SIMD16<Int32>(), a3 = SIMD16<Int32>()
            var k = 0
            while k < length {
                let off = k * 2
                let xv = SIMD16<Int32>(truncatingIfNeeded: xr.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                a0 &+= xv &* SIMD16<Int32>(truncatingIfNeeded: w0.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                a1 &+= xv &* SIMD16<Int32>(truncatingIfNeeded: w1.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                a2 &+= xv &* SIMD16<Int32>(truncatingIfNeeded: w2.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                a3 &+= xv &* SIMD16<Int32>(truncatingIfNeeded: w3.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                k += lanes
            }
            out[r] = bias[r] &+ a0.wrappedSum()
            out[r + 1] = bias[r + 1] &+ a1.wrappedSum()
            out[r + 2] = bias[r + 2] &+ a2.wrappedSum()
            out[r + 3] = bias[r + 3] &+ a3.wrappedSum()
            r += 4
        }
        while r < rows {
            let wr = UnsafeRawPointer(w + r * length)
            var a = SIMD16<Int32>()
            var k = 0
            while k < length {
                let off = k * 2
                a &+= SIMD16<Int32>(truncatingIfNeeded: xr.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                    &* SIMD16<Int32>(truncatingIfNeeded: wr.loadUnaligned(fromByteOffset: off, as: SIMD16<Int16>.self))
                k += lanes
            }
            out[r] = bias[r] &+ a.wrappedSum()
            r += 1
        }
    }

    /// Repacks int8 weight rows `[rows][length]` as int16 rows padded to ``paddedLength(_:)``.
    static func packRows(_ weights: [Int8], rows: Int, length: Int) -> [Int16] {
        let padded = paddedLength(length)
        var out = [Int16](repeating: 0, count: rows * padded)
        for r in 0..<rows {
            for k in 0..<length {
                out[r * padded + k] = Int16(weights[r * length + k])
            }
        }
        return out
    }
}

/// Owned, aligned scratch memory of a prepared kernel, allocated once.
final class Scratch<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, value: T) {
        self.count = max(count, 1)
        pointer = .allocate(capacity: self.count)
        pointer.initialize(repeating: value, count: self.count)
    }

    convenience init(_ values: [T], padding: T) {
        self.init(count: values.count, value: padding)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    deinit {
        pointer.deallocate()
    }
}
