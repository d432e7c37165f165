/// ADD, int8, with broadcasting.
///
/// TFLM's int8 `Add`: both inputs lose their zero points, are shifted left by
/// 20 bits and rescaled to a common scale (twice the larger input scale), then
/// summed and rescaled to the output, each step with TFLM's two-step rounding.
final class Add: PreparedKernel {
    private let a: UnsafePointer<Int8>, b: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let plan: BroadcastPlan
    private let aOffset: Int32, bOffset: Int32, outputOffset: Int32
    private let aScale: Requantizer, bScale: Requantizer, outScale: Requantizer
    private let range: (min: Int32, max: Int32)
    static let leftShift: Int32 = 20

    static func prepare(_ c: KernelContext) throws(ModelError) -> Add {
        guard case let .add(activation) = c.op.options else { throw c.unsupported("expected AddOptions") }
        let a = try c.input(0), b = try c.input(1), output = try c.output(0)
        for (t, role) in [(a, "first input"), (b, "second input"), (output, "output")] {
            try c.requireType(t, .int8, role: role)
        }
        let aq = try a.requireQuantization(c.op.label), bq = try b.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        let twiceMax = 2 * Double(max(aq.scale, bq.scale))
        return Add(
            a: c.pointer(a, as: Int8.self), b: c.pointer(b, as: Int8.self), output: c.pointer(output, as: Int8.self),
            plan: try BroadcastPlan(a.shape, b.shape, output: output.shape, c),
            aOffset: -aq.zeroPoint, bOffset: -bq.zeroPoint, outputOffset: oq.zeroPoint,
            aScale: Requantizer(real: Double(aq.scale) / twiceMax),
            bScale: Requantizer(real: Double(bq.scale) / twiceMax),
            outScale: Requantizer(real: twiceMax / (Double(1 << leftShift) * Double(oq.scale))),
            range: FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint))
    }

    private init(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, plan: BroadcastPlan,
                 aOffset: Int32, bOffset: Int32, outputOffset: Int32, aScale: Requantizer, bScale: Requantizer,
                 outScale: Requantizer, range: (min: Int32, max: Int32)) {
        self.a = a
        self.b = b
        self.output = output
        self.plan = plan
        self.aOffset = aOffset
        self.bOffset = bOffset
        self.outputOffset = outputOffset
        self.aScale = aScale
        self.bScale = bScale
        self.outScale = outScale
        self.range = range
    }

    func eval() {
        plan.map(a, b, into: output) { element($0, $1) }
    }

    @inline(__always)
    private func element(_ x: Int8, _ y: Int8) -> Int8 {
        let sx = aScale.apply((aOffset &+ Int32(x)) &<< Add.leftShift)
        let sy = bScale.apply((bOffset &+ Int32(y)) &<< Add.leftShift)
        let v = outScale.apply(sx &+ sy) &+ outputOffset
        return Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
    }
}
