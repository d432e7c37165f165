/// RESHAPE: the bytes are unchanged, only the shape differs. Input and output
/// are separate arena buffers, so eval copies.
final class Reshape: PreparedKernel {
    private let input: UnsafeRawPointer
    private let output: UnsafeMutableRawPointer
    private let byteCount: Int
    let plan: LayerPlan?

    static func prepare(_ c: KernelContext) throws(ModelError) -> Reshape {
        let input = try c.input(0), output = try c.output(0)
        try c.require(input.type == output.type, "input is \(input.type) but output is \(output.type)")
        try c.require(input.elementCount == output.elementCount,
                      "input shape \(input.shape) and output shape \(output.shape) hold different element counts")
        return Reshape(input: UnsafeRawPointer(c.pointer(input, as: UInt8.self)),
                       output: UnsafeMutableRawPointer(c.pointer(output, as: UInt8.self)), byteCount: input.byteCount,
                       plan: .copy(input: input.index, output: output.index, bytes: input.byteCount))
    }

    private init(input: UnsafeRawPointer, output: UnsafeMutableRawPointer, byteCount: Int, plan: LayerPlan) {
        self.plan = plan
        self.input = input
        self.output = output
        self.byteCount = byteCount
    }

    func eval() {
        if input != UnsafeRawPointer(output) {
            output.copyMemory(from: input, byteCount: byteCount)
        }
    }
}
