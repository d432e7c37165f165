/// Output size and padding of one spatial dimension of a convolution or pool,
/// by TFLite's rules (`ComputeOutSize`, `ComputePaddingHeightWidth`).
struct SpatialGeometry: Equatable {
    let input: Int
    let filter: Int
    let stride: Int
    let dilation: Int
    let output: Int
    /// Padding before the first element (the smaller half for SAME).
    let padBefore: Int

    init(input: Int, filter: Int, stride: Int, dilation: Int, padding: Padding) {
        self.input = input
        self.filter = filter
        self.stride = stride
        self.dilation = dilation
        let effective = (filter - 1) * dilation + 1
        switch padding {
        case .same: output = (input + stride - 1) / stride
        case .valid: output = max((input + stride - effective) / stride, 0)
        }
        let total = max((output - 1) * stride + effective - input, 0)
        padBefore = total / 2
    }

    /// Length of this dimension in a zero-bordered copy of the input: the
    /// leading padding, the input, and trailing zeros up to the last tap of
    /// the last output, so every tap of every output lands inside.
    var paddedExtent: Int {
        max(padBefore + input, (output - 1) * stride + (filter - 1) * dilation + 1)
    }

    /// Throws unless the options are usable (positive stride, dilation, filter).
    static func validate(filter: Int, stride: Int, dilation: Int, _ context: KernelContext) throws(ModelError) {
        try context.require(filter > 0 && stride > 0 && dilation > 0,
                            "filter \(filter), stride \(stride) and dilation \(dilation) must all be positive")
    }
}

extension KernelContext {
    /// Checks that `tensor` has exactly `rank` dimensions, naming its role.
    func requireRank(_ tensor: Tensor, _ rank: Int, role: String) throws(ModelError) {
        try require(tensor.shape.count == rank, "\(role) tensor \(tensor.index) has shape \(tensor.shape), expected rank \(rank)")
    }

    /// Checks that `tensor`'s shape is `shape`.
    func requireShape(_ tensor: Tensor, _ shape: [Int], role: String) throws(ModelError) {
        try require(tensor.shape == shape, "\(role) tensor \(tensor.index) has shape \(tensor.shape), expected \(shape)")
    }

    /// Requantizers for an int8 conv-like op: one per output channel
    /// (TFLM `PopulateConvolutionQuantizationParams`).
    func channelRequantizers(input: Tensor, filter: Tensor, output: Tensor, channels: Int) throws(ModelError) -> [Requantizer] {
        let iq = try input.requireQuantization(op.label)
        let fq = try filter.requireQuantization(op.label)
        let oq = try output.requireQuantization(op.label)
        try require(fq.scales.count == 1 || fq.scales.count == channels,
                    "filter has \(fq.scales.count) scales for \(channels) output channels")
        return (0..<channels).map { c in
            let fs = Double(fq.isPerChannel ? fq.scales[c] : fq.scales[0])
            return Requantizer(real: Double(iq.scale) * fs / Double(oq.scale))
        }
    }

    /// The bias vector of a conv-like op (zeros when the bias input is omitted).
    func bias(at index: Int, channels: Int) throws(ModelError) -> [Int32] {
        guard let b = optionalInput(index) else { return [Int32](repeating: 0, count: channels) }
        try requireType(b, .int32, role: "bias")
        try require(b.elementCount == channels, "bias has \(b.elementCount) elements for \(channels) output channels")
        return try int32Constant(b)
    }
}
