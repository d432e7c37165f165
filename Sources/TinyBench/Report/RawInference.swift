import TinyRuntime

/// One inference on raw tensor bytes, as `tinybench model run` does it: the
/// bytes of every input tensor back to back in graph order (row-major, each in
/// its own element type) in, the bytes of every output tensor out.
///
/// For the one-input, one-output models of MLPerf Tiny that is simply the
/// input tensor's bytes in and the output tensor's bytes out.
public enum RawInference {
    /// A size mismatch between the bytes given and what the model's inputs take.
    public struct SizeMismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// Fills the inputs from `bytes`, runs once and returns each output's bytes.
    /// `source` names where the bytes came from in the error message.
    public static func run(_ interpreter: Interpreter, input bytes: [UInt8], source: String = "the input") throws -> [[UInt8]] {
        let inputs = interpreter.inputs
        let needed = inputs.reduce(0) { $0 + $1.byteCount }
        guard bytes.count == needed else {
            // Name every input so the user can see which layout is expected.
            let parts = inputs.enumerated().map { i, t in
                "input \(i) '\(t.name)' (\(t.type) \(shape(t.shape))) takes \(t.byteCount) bytes"
            }
            let sum = inputs.count > 1 ? ", \(needed) bytes in all" : ""
            throw SizeMismatch(description: "\(source) holds \(bytes.count) bytes, but \(parts.joined(separator: ", "))\(sum)")
        }
        var start = 0
        for (i, t) in inputs.enumerated() {
            try interpreter.setInput(bytes[start..<start + t.byteCount], at: i)
            start += t.byteCount
        }
        interpreter.invoke()
        return try interpreter.outputs.indices.map { try interpreter.output(at: $0) }
    }

    /// Lowercase hex, one line per output tensor.
    public static func hex(_ outputs: [[UInt8]]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return outputs.map { bytes in
            var line = [UInt8]()
            line.reserveCapacity(2 * bytes.count)
            for b in bytes {
                line.append(digits[Int(b >> 4)])
                line.append(digits[Int(b & 0xf)])
            }
            return String(decoding: line, as: UTF8.self)
        }.joined(separator: "\n")
    }

    /// [1, 49, 10, 1] → "[1x49x10x1]", as `tinybench model inspect` writes shapes.
    static func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: "x") + "]" }
}
