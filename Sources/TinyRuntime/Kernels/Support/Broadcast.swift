/// Element pairing of a binary elementwise operator with NumPy-style broadcasting.
///
/// Same shapes need no index tables; otherwise prepare computes, once, the flat
/// index into each input for every output element.
enum BroadcastPlan {
    case sameShape(count: Int)
    case indexed(first: [Int32], second: [Int32])

    init(_ a: [Int], _ b: [Int], output: [Int], _ c: KernelContext) throws(ModelError) {
        if a == b {
            try c.require(output.reduce(1, *) == a.reduce(1, *), "output shape \(output) does not match inputs \(a)")
            self = .sameShape(count: a.reduce(1, *))
            return
        }
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var shape = [Int]()
        for d in 0..<rank {
            guard pa[d] == pb[d] || pa[d] == 1 || pb[d] == 1 else {
                throw .invalid("\(c.op.label): shapes \(a) and \(b) cannot be broadcast")
            }
            shape.append(pa[d] == 1 ? pb[d] : pa[d])
        }
        try c.require(shape.reduce(1, *) == output.reduce(1, *), "output shape \(output) does not match broadcast shape \(shape)")
        func strides(_ s: [Int]) -> [Int] {
            var out = [Int](repeating: 0, count: rank)
            var step = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                out[d] = s[d] == 1 ? 0 : step
                step *= s[d]
            }
            return out
        }
        let sa = strides(pa), sb = strides(pb)
        let total = shape.reduce(1, *)
        var ia = [Int32](), ib = [Int32]()
        ia.reserveCapacity(total)
        ib.reserveCapacity(total)
        forEachIndex(shape) { index in
            var fa = 0, fb = 0
            for d in 0..<rank {
                fa += index[d] * sa[d]
                fb += index[d] * sb[d]
            }
            ia.append(Int32(fa))
            ib.append(Int32(fb))
        }
        self = .indexed(first: ia, second: ib)
    }

    /// `output[i] = f(a[ia], b[ib])` for every output element and its pair of input elements.
    @inline(__always)
    func map(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, into output: UnsafeMutablePointer<Int8>,
             _ f: (Int8, Int8) -> Int8) {
        switch self {
        case .sameShape(let count):
            for i in 0..<count { output[i] = f(a[i], b[i]) }
        case .indexed(let first, let second):
            first.withUnsafeBufferPointer { fa in
                second.withUnsafeBufferPointer { fb in
                    for i in 0..<fa.count { output[i] = f(a[Int(fa[i])], b[Int(fb[i])]) }
                }
            }
        }
    }
}

/// What ADD and MUL share: two int8 inputs broadcast against each other, an
/// int8 output, the zero points and the fused activation's clamp range.
struct BinaryOperands {
    let a: UnsafePointer<Int8>, b: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let plan: BroadcastPlan
    let aQuantization: Quantization, bQuantization: Quantization, outputQuantization: Quantization
    /// `-zeroPoint` of each input and the output zero point.
    let aOffset: Int32, bOffset: Int32, outputOffset: Int32
    let range: (min: Int32, max: Int32)

    init(_ c: KernelContext, activation: FusedActivation) throws(ModelError) {
        let a = try c.input(0), b = try c.input(1), output = try c.output(0)
        for (t, role) in [(a, "first input"), (b, "second input"), (output, "output")] {
            try c.requireType(t, .int8, role: role)
        }
        aQuantization = try a.requireQuantization(c.op.label)
        bQuantization = try b.requireQuantization(c.op.label)
        outputQuantization = try output.requireQuantization(c.op.label)
        self.a = UnsafePointer(c.pointer(a, as: Int8.self))
        self.b = UnsafePointer(c.pointer(b, as: Int8.self))
        self.output = c.pointer(output, as: Int8.self)
        plan = try BroadcastPlan(a.shape, b.shape, output: output.shape, c)
        aOffset = -aQuantization.zeroPoint
        bOffset = -bQuantization.zeroPoint
        outputOffset = outputQuantization.zeroPoint
        range = FixedPoint.activationRange(activation, scale: outputQuantization.scale, zeroPoint: outputOffset)
    }

    /// `output[i] = f(a[ia], b[ib])` over the broadcast.
    @inline(__always)
    func map(_ f: (Int8, Int8) -> Int8) {
        plan.map(a, b, into: output, f)
    }

    @inline(__always)
    func clamp(_ v: Int32) -> Int8 {
        Int8(truncatingIfNeeded: min(max(v, range.min), range.max))
    }
}
