/// AVERAGE_POOL_2D, int8.
///
/// TFLM's reference int8 `AveragePool`: the int32 sum over the in-bounds part
/// of the window divided by the number of in-bounds elements, rounding halves
/// away from zero, then clamped to the activation range.
final class AveragePool2D: PreparedKernel {
    private let setup: PoolSetup
    private let sums: Scratch<Int32>

    static func prepare(_ c: KernelContext) throws(ModelError) -> AveragePool2D {
        let setup = try PoolSetup(c)
        try c.require(setup.h.output == 0 || setup.w.output == 0 || (setup.h.filter > 0 && setup.w.filter > 0), "empty window")
        return AveragePool2D(setup: setup, sums: Scratch(count: setup.channels, value: 0))
    }

    private init(setup: PoolSetup, sums: Scratch<Int32>) {
        self.setup = setup
        self.sums = sums
    }

    func eval() {
        let s = setup
        let channels = s.channels
        let sum = sums.pointer
        var out = s.output
        for b in 0..<s.batches {
            let image = s.input + b * s.h.input * s.w.input * channels
            for oy in 0..<s.h.output {
                for ox in 0..<s.w.output {
                    let (rows, columns) = s.window(oy, ox)
                    sum.update(repeating: 0, count: channels)
                    for y in rows {
                        for x in columns {
                            let src = image + (y * s.w.input + x) * channels
                            for ch in 0..<channels { sum[ch] &+= Int32(src[ch]) }
                        }
                    }
                    // SAME padding never yields an empty window, VALID neither.
                    let count = Int32(max(rows.count * columns.count, 1))
                    for ch in 0..<channels {
                        let a = sum[ch]
                        let avg = a > 0 ? (a + count / 2) / count : (a - count / 2) / count
                        out[ch] = Int8(truncatingIfNeeded: min(max(avg, s.range.min), s.range.max))
                    }
                    out += channels
                }
            }
        }
    }
}
