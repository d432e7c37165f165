/// MUL, int8, with broadcasting.
///
/// TFLM's int8 `Mul`: `(a - aZeroPoint) · (b - bZeroPoint)` requantized by
/// `aScale · bScale / outputScale` (computed in double), plus the output zero
/// point, clamped to the fused activation's range.
final class Mul: PreparedKernel {
    private let a: UnsafePointer<Int8>, b: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let plan: BroadcastPlan
    private let aOffset: Int32, bOffset: Int32, outputOffset: Int32
    private let scale: Requantizer
    private let range: (min: Int32, max: Int32)

    static func prepare(_ c: KernelContext) throws(ModelError) -> Mul {
        guard case let .mul(activation) = c.op.options else { throw c.unsupported("expected MulOptions") }
        let a = try c.input(0), b = try c.input(1), output = try c.output(0)
        for (t, role) in [(a, "first input"), (b, "second input"), (output, "output")] {
            try c.requireType(t, .int8, role: role)
        }
        let aq = try a.requireQuantization(c.op.label), bq = try b.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        return Mul(
            a: c.pointer(a, as: Int8.self), b: c.pointer(b, as: Int8.self), output: c.pointer(output, as: Int8.self),
            plan: try BroadcastPlan(a.shape, b.shape, output: output.shape, c),
            aOffset: -aq.zeroPoint, bOffset: -bq.zeroPoint, outputOffset: oq.zeroPoint,
            scale: Requantizer(real: Double(aq.scale) * Double(bq.scale) / Double(oq.scale)),
            range: FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint))
    }

    private init(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, plan: BroadcastPlan,
                 aOffset: Int32, bOffset: Int32, outputOffset: Int32, scale: Requantizer, range: (min: Int32, max: Int32)) {
        self.a = a
        self.b = b
        self.output = output
        self.plan = plan
        self.aOffset = aOffset
        self.bOffset = bOffset
        self.outputOffset = outputOffset
        self.scale = scale
        self.range = range
    }

    func eval() {
        plan.map(a, b, into: output) { element($0, $1) }
    }

    @inline(__always)
    private func element(_ x: Int8, _ y: Int8) -> Int8 {
        let v = scale.apply((aOffset &+ Int32(x)) &* (bOffset &+ Int32(y))) &+ outputOffset
        return Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
    }
}
