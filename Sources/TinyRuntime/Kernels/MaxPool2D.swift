/// MAX_POOL_2D, int8: the largest in-bounds value of each window, clamped to
/// the fused activation's range (TFLM's reference int8 `MaxPool`).
final class MaxPool2D: PreparedKernel {
    private let setup: PoolSetup
    private let maxima: Scratch<Int8>

    static func prepare(_ c: KernelContext) throws(ModelError) -> MaxPool2D {
        let setup = try PoolSetup(c)
        return MaxPool2D(setup: setup, maxima: Scratch(count: setup.channels, value: Int8.min))
    }

    private init(setup: PoolSetup, maxima: Scratch<Int8>) {
        self.setup = setup
        self.maxima = maxima
    }

    func eval() {
        let s = setup
        let m = maxima.pointer
        let lower = Int8(truncatingIfNeeded: s.range.min), upper = Int8(truncatingIfNeeded: s.range.max)
        s.forEachWindow { pixel, count, out in
            m.update(repeating: Int8.min, count: s.channels)
            for i in 0..<count {
                let src = pixel(i)
                for ch in 0..<s.channels { m[ch] = max(m[ch], src[ch]) }
            }
            for ch in 0..<s.channels { out[ch] = min(max(m[ch], lower), upper) }
        }
    }
}
