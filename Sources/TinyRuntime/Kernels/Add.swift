/// ADD, int8, with broadcasting.
///
/// TFLM's int8 `Add`: both inputs lose their zero points, are shifted left by
/// 20 bits and rescaled to a common scale (twice the larger input scale), then
/// summed and rescaled to the output, each step with TFLM's two-step rounding.
final class Add: PreparedKernel {
    private let operands: BinaryOperands
    private let aScale: Requantizer, bScale: Requantizer, outScale: Requantizer
    static let leftShift: Int32 = 20
    let plan: LayerPlan?

    static func prepare(_ c: KernelContext) throws(ModelError) -> Add {
        guard case let .add(activation) = c.op.options else { throw c.unsupported("expected AddOptions") }
        let operands = try BinaryOperands(c, activation: activation)
        let aScale = operands.aQuantization.scale, bScale = operands.bQuantization.scale
        let twiceMax = 2 * Double(max(aScale, bScale))
        let a = Requantizer(real: Double(aScale) / twiceMax), b = Requantizer(real: Double(bScale) / twiceMax)
        let out = Requantizer(real: twiceMax / (Double(1 << leftShift) * Double(operands.outputQuantization.scale)))
        var plan: LayerPlan?
        if case .sameShape(let count) = operands.plan {
            plan = .add(AddPlan(first: c.op.inputs[0], second: c.op.inputs[1], output: c.op.outputs[0], count: count, leftShift: leftShift,
                                firstOffset: operands.aOffset, secondOffset: operands.bOffset, outputOffset: operands.outputOffset,
                                firstMultiplier: FixedPointMultiplier(a), secondMultiplier: FixedPointMultiplier(b),
                                outputMultiplier: FixedPointMultiplier(out), activationMin: operands.range.min, activationMax: operands.range.max))
        }
        return Add(operands: operands, aScale: a, bScale: b, outScale: out, plan: plan)
    }

    private init(operands: BinaryOperands, aScale: Requantizer, bScale: Requantizer, outScale: Requantizer, plan: LayerPlan?) {
        self.operands = operands
        self.aScale = aScale
        self.bScale = bScale
        self.outScale = outScale
        self.plan = plan
    }

    func eval() {
        let o = operands
        o.map { x, y in
            let sx = aScale.apply((o.aOffset &+ Int32(x)) &<< Add.leftShift)
            let sy = bScale.apply((o.bOffset &+ Int32(y)) &<< Add.leftShift)
            return o.clamp(outScale.apply(sx &+ sy) &+ o.outputOffset)
        }
    }
}
