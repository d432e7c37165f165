/// AVERAGE_POOL_2D, int8.
///
/// TFLM's reference int8 `AveragePool`: the int32 sum over the in-bounds part
/// of the window divided by the number of in-bounds elements, rounding halves
/// away from zero, then clamped to the activation range.
final class AveragePool2D: PreparedKernel {
    private let setup: PoolSetup
    private let sums: Scratch<Int32>
    let plan: LayerPlan?

    static func prepare(_ c: KernelContext) throws(ModelError) -> AveragePool2D {
        let setup = try PoolSetup(c)
        try c.require(setup.h.output == 0 || setup.w.output == 0 || (setup.h.filter > 0 && setup.w.filter > 0), "empty window")
        let plan = LayerPlan.averagePool(PoolPlan(
            input: c.op.inputs[0], output: c.op.outputs[0], batches: setup.batches,
            inputShape: Shape3(height: setup.h.input, width: setup.w.input, channels: setup.channels),
            outputShape: Shape3(height: setup.h.output, width: setup.w.output, channels: setup.channels),
            filterHeight: setup.h.filter, filterWidth: setup.w.filter, strideHeight: setup.h.stride, strideWidth: setup.w.stride,
            padTop: setup.h.padBefore, padLeft: setup.w.padBefore, activationMin: setup.range.min, activationMax: setup.range.max))
        return AveragePool2D(setup: setup, sums: Scratch(count: setup.channels, value: 0), plan: plan)
    }

    private init(setup: PoolSetup, sums: Scratch<Int32>, plan: LayerPlan) {
        self.setup = setup
        self.sums = sums
        self.plan = plan
    }

    func eval() {
        let s = setup
        let sum = sums.pointer
        s.forEachWindow { pixel, count, out in
            sum.update(repeating: 0, count: s.channels)
            for i in 0..<count {
                let src = pixel(i)
                for ch in 0..<s.channels { sum[ch] &+= Int32(src[ch]) }
            }
            // SAME padding never yields an empty window, VALID neither.
            let n = Int32(max(count, 1))
            for ch in 0..<s.channels {
                let a = sum[ch]
                let avg = a > 0 ? (a + n / 2) / n : (a - n / 2) / n
                out[ch] = Int8(truncatingIfNeeded: min(max(avg, s.range.min), s.range.max))
            }
        }
    }
}
