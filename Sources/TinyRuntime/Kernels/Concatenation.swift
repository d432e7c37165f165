/// CONCATENATION, int8, along any axis.
///
/// TFLM copies int8 inputs unchanged (it does not requantize), so inputs and
/// output must share quantization for the result to mean anything; the
/// converter guarantees that and prepare checks it.
final class Concatenation: PreparedKernel {
    private let inputs: [UnsafePointer<Int8>]
    /// Bytes each input contributes per outer step.
    private let chunks: [Int]
    private let outerCount: Int
    private let output: UnsafeMutablePointer<Int8>

    static func prepare(_ c: KernelContext) throws(ModelError) -> Concatenation {
        guard case let .concatenation(axisOption, activation) = c.op.options else {
            throw c.unsupported("expected ConcatenationOptions")
        }
        try c.require(activation == .none, "fused activation \(activation) on CONCATENATION is not supported")
        let output = try c.output(0)
        try c.requireType(output, .int8, role: "output")
        let rank = output.shape.count
        let axis = axisOption < 0 ? axisOption + rank : axisOption
        try c.require(axis >= 0 && axis < rank, "axis \(axisOption) is out of range for rank \(rank)")
        let oq = try output.requireQuantization(c.op.label)
        var tensors = [Tensor]()
        for i in c.op.inputs.indices { tensors.append(try c.input(i)) }
        try c.require(!tensors.isEmpty, "no inputs")
        var total = 0
        for t in tensors {
            try c.requireType(t, .int8, role: "input")
            try c.require(t.shape.count == rank, "input \(t.index) has shape \(t.shape), output \(output.shape)")
            for d in 0..<rank where d != axis {
                try c.require(t.shape[d] == output.shape[d], "input \(t.index) has shape \(t.shape), output \(output.shape)")
            }
            let q = try t.requireQuantization(c.op.label)
            try c.require(q.scale == oq.scale && q.zeroPoint == oq.zeroPoint,
                          "input \(t.index) quantization (\(q.scale), \(q.zeroPoint)) differs from the output's (\(oq.scale), \(oq.zeroPoint))")
            total += t.shape[axis]
        }
        try c.require(total == output.shape[axis], "inputs add up to \(total) along axis \(axis), output has \(output.shape[axis])")
        let inner = output.shape[(axis + 1)...].reduce(1, *)
        return Concatenation(inputs: tensors.map { UnsafePointer(c.pointer($0, as: Int8.self)) },
                             chunks: tensors.map { $0.shape[axis] * inner },
                             outerCount: output.shape[..<axis].reduce(1, *), output: c.pointer(output, as: Int8.self))
    }

    private init(inputs: [UnsafePointer<Int8>], chunks: [Int], outerCount: Int, output: UnsafeMutablePointer<Int8>) {
        self.inputs = inputs
        self.chunks = chunks
        self.outerCount = outerCount
        self.output = output
    }

    func eval() {
        var out = output
        for outer in 0..<outerCount {
            for (input, chunk) in zip(inputs, chunks) {
                out.update(from: input + outer * chunk, count: chunk)
                out += chunk
            }
        }
    }
}
