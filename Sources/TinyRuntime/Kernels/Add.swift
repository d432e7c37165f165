/// ADD, int8, with broadcasting.
///
/// TFLM's int8 `Add`: both inputs lose their zero points, are shifted left by
/// 20 bits and rescaled to a common scale (twice the larger input scale), then
/// summed and rescaled to the output, each step with TFLM's two-step rounding.
/// The result depends only on the pair of int8 inputs, so prepare tabulates it
/// for all 65 536 pairs and eval only looks it up.
final class Add: PreparedKernel {
    private let operands: BinaryOperands
    /// The output for inputs `(x, y)` at `UInt8(bitPattern: x) << 8 | UInt8(bitPattern: y)`.
    private let table: Scratch<Int8>
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
        let scaledA = (0..<256).map { a.apply((operands.aOffset &+ Int32(Int8(truncatingIfNeeded: $0))) &<< leftShift) }
        let scaledB = (0..<256).map { b.apply((operands.bOffset &+ Int32(Int8(truncatingIfNeeded: $0))) &<< leftShift) }
        let table = (0..<65_536).map { i in
            operands.clamp(out.apply(scaledA[i >> 8] &+ scaledB[i & 255]) &+ operands.outputOffset)
        }
        return Add(operands: operands, table: Scratch(table, padding: 0), plan: plan)
    }

    private init(operands: BinaryOperands, table: Scratch<Int8>, plan: LayerPlan?) {
        self.operands = operands
        self.table = table
        self.plan = plan
    }

    func eval() {
        let t = table.pointer
        operands.map { x, y in t[Int(UInt8(bitPattern: x)) << 8 | Int(UInt8(bitPattern: y))] }
    }
}
