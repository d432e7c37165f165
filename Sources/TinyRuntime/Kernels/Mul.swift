/// MUL, int8, with broadcasting.
///
/// TFLM's int8 `Mul`: `(a - aZeroPoint) · (b - bZeroPoint)` requantized by
/// `aScale · bScale / outputScale` (computed in double), plus the output zero
/// point, clamped to the fused activation's range.
final class Mul: PreparedKernel {
    private let operands: BinaryOperands
    private let scale: Requantizer

    static func prepare(_ c: KernelContext) throws(ModelError) -> Mul {
        guard case let .mul(activation) = c.op.options else { throw c.unsupported("expected MulOptions") }
        let operands = try BinaryOperands(c, activation: activation)
        let real = Double(operands.aQuantization.scale) * Double(operands.bQuantization.scale)
            / Double(operands.outputQuantization.scale)
        return Mul(operands: operands, scale: Requantizer(real: real))
    }

    private init(operands: BinaryOperands, scale: Requantizer) {
        self.operands = operands
        self.scale = scale
    }

    func eval() {
        let o = operands
        o.map { x, y in
            o.clamp(scale.apply((o.aOffset &+ Int32(x)) &* (o.bOffset &+ Int32(y))) &+ o.outputOffset)
        }
    }
}
