/// What AVERAGE_POOL_2D and MAX_POOL_2D share: int8 NHWC tensors, the window
/// geometry, and the fused activation's clamp range. Input and output must
/// have the same quantization (TFLM requires it for int8 pools).
struct PoolSetup {
    let input: UnsafePointer<Int8>
    let output: UnsafeMutablePointer<Int8>
    let h: SpatialGeometry, w: SpatialGeometry
    let batches: Int, channels: Int
    let range: (min: Int32, max: Int32)

    init(_ c: KernelContext) throws(ModelError) {
        guard case let .pool2D(padding, strideW, strideH, filterW, filterH, activation) = c.op.options else {
            throw c.unsupported("expected Pool2DOptions")
        }
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.requireRank(input, 4, role: "input")
        try SpatialGeometry.validate(filter: filterH, stride: strideH, dilation: 1, c)
        try SpatialGeometry.validate(filter: filterW, stride: strideW, dilation: 1, c)
        h = SpatialGeometry(input: input.shape[1], filter: filterH, stride: strideH, dilation: 1, padding: padding)
        w = SpatialGeometry(input: input.shape[2], filter: filterW, stride: strideW, dilation: 1, padding: padding)
        try c.requireShape(output, [input.shape[0], h.output, w.output, input.shape[3]], role: "output")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        try c.require(iq.scale == oq.scale && iq.zeroPoint == oq.zeroPoint,
                      "input and output quantization differ (scale \(iq.scale)/\(oq.scale), zero point \(iq.zeroPoint)/\(oq.zeroPoint))")
        self.input = UnsafePointer(c.pointer(input, as: Int8.self))
        self.output = c.pointer(output, as: Int8.self)
        batches = input.shape[0]
        channels = input.shape[3]
        range = FixedPoint.activationRange(activation, scale: oq.scale, zeroPoint: oq.zeroPoint)
    }

    /// Calls `body(pixels, count, output)` for every output pixel with the
    /// in-bounds input pixels of its window (`count` of them, each a pointer to
    /// `channels` values) and the pixel's output channels.
    @inline(__always)
    func forEachWindow(_ body: (_ pixels: (Int) -> UnsafePointer<Int8>, _ count: Int, _ output: UnsafeMutablePointer<Int8>) -> Void) {
        var out = output
        for b in 0..<batches {
            let image = input + b * h.input * w.input * channels
            for oy in 0..<h.output {
                for ox in 0..<w.output {
                    let (rows, columns) = window(oy, ox)
                    let width = columns.count
                    body({ i in image + ((rows.lowerBound + i / width) * w.input + columns.lowerBound + i % width) * channels },
                         rows.count * width, out)
                    out += channels
                }
            }
        }
    }

    /// The in-bounds window of output (oy, ox): input row and column ranges.
    @inline(__always)
    func window(_ oy: Int, _ ox: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let y0 = oy * h.stride - h.padBefore
        let x0 = ox * w.stride - w.padBefore
        return (max(y0, 0)..<min(y0 + h.filter, h.input), max(x0, 0)..<min(x0 + w.filter, w.input))
    }
}
