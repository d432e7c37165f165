/// Turns TFLite flatbuffer bytes into a ``Model``, validating every index,
/// shape and buffer size so later stages can trust what they read.
///
/// Field numbers are those of tensorflow/lite/schema/schema.fbs.
struct ModelParser {
    let fb: FlatBuffer

    /// Upper bound on a tensor's element count (a 2 GiB arena is already far
    /// beyond any microcontroller); also keeps size arithmetic from overflowing.
    static let maxElements = 1 << 31
    static let maxRank = 6

    init(bytes: [UInt8]) {
        fb = FlatBuffer(bytes)
    }

    func parse() throws(ModelError) -> Model {
        guard fb.count >= 8 else { throw .malformed("file is \(fb.count) bytes, too short for a flatbuffer") }
        // The optional file identifier "TFL3" sits at bytes 4..<8.
        if fb.bytes[4..<8].elementsEqual("TFL3".utf8) == false, fb.bytes[4..<8].allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            let id = String(decoding: fb.bytes[4..<8], as: UTF8.self)
            throw .malformed("file identifier is '\(id)', expected 'TFL3'")
        }
        let root = try fb.root()
        let version: UInt32 = try root.scalar(0, default: 0)
        guard version == 3 else { throw .malformed("schema version \(version), expected 3") }

        let buffers = try root.tables(4, what: "buffers").map { (t) throws(ModelError) -> ArraySlice<UInt8> in
            let offset: UInt64 = try t.scalar(1, default: 0)
            guard offset == 0 else {
                throw .unsupportedType("\(t.name) keeps its data outside the flatbuffer (offset \(offset)); only self-contained models are supported")
            }
            guard let range = try t.vectorRange(0, elementSize: 1, what: "data") else { return [] }
            return fb.bytes[range]
        }
        let codes = try root.tables(1, what: "operator_codes").map { (t) throws(ModelError) -> (BuiltinOperator, Int, String?) in
            let deprecated: Int8 = try t.scalar(0, default: 0)
            let extended: Int32 = try t.scalar(3, default: 0)
            // TFLite's rule: the larger of the two fields is the operator.
            let code = BuiltinOperator(rawValue: max(Int32(deprecated), extended))
            let version: Int32 = try t.scalar(2, default: 1)
            return (code, Int(version), try t.string(1))
        }
        let subgraphTables = try root.tables(2, what: "subgraphs")
        guard !subgraphTables.isEmpty else { throw .malformed("model has no subgraphs") }
        var subgraphs = [Subgraph]()
        for (i, table) in subgraphTables.enumerated() {
            subgraphs.append(try parseSubgraph(table, index: i, buffers: buffers, codes: codes))
        }
        var metadata = [(name: String, data: ArraySlice<UInt8>)]()
        for t in try root.tables(6, what: "metadata") {
            let name = try t.string(0) ?? ""
            let b = Int(try t.scalar(1, default: UInt32(0)))
            guard b < buffers.count else { throw .malformed("metadata '\(name)' refers to buffer \(b) of \(buffers.count)") }
            metadata.append((name, buffers[b]))
        }
        return Model(version: version, description: try root.string(3) ?? "", subgraphs: subgraphs,
                     metadata: metadata, byteCount: fb.count)
    }

    private func parseSubgraph(_ table: FlatTable, index sg: Int, buffers: [ArraySlice<UInt8>],
                               codes: [(BuiltinOperator, Int, String?)]) throws(ModelError) -> Subgraph {
        var tensors = [Tensor]()
        for (i, t) in try table.tables(0, what: "subgraph \(sg) tensors").enumerated() {
            tensors.append(try parseTensor(t, index: i, buffers: buffers))
        }
        func checkIndices(_ list: [Int32], _ what: String, allowOmitted: Bool) throws(ModelError) -> [Int] {
            var out = [Int]()
            for v in list {
                if allowOmitted && v == -1 { out.append(-1); continue }
                guard v >= 0, Int(v) < tensors.count else {
                    throw .malformed("\(what) refers to tensor \(v), but subgraph \(sg) has \(tensors.count) tensors")
                }
                out.append(Int(v))
            }
            return out
        }
        var operators = [Operator]()
        for (i, t) in try table.tables(3, what: "subgraph \(sg) operators").enumerated() {
            let codeIndex = Int(try t.scalar(0, default: UInt32(0)))
            guard codeIndex < codes.count else {
                throw .malformed("operator \(i) uses operator code \(codeIndex), but the model has \(codes.count)")
            }
            let (code, version, custom) = codes[codeIndex]
            let label = "operator \(i) (\(code))"
            let inputs = try checkIndices(try t.vector(1, of: Int32.self, what: "inputs") ?? [], "\(label) input", allowOmitted: true)
            let outputs = try checkIndices(try t.vector(2, of: Int32.self, what: "outputs") ?? [], "\(label) output", allowOmitted: false)
            let optionsType: UInt8 = try t.scalar(3, default: 0)
            let options = try parseOptions(type: optionsType, table: try t.table(4, name: "\(label) options"), label: label)
            operators.append(Operator(index: i, code: code, version: version, customCode: code == .custom ? (custom ?? "") : nil,
                                      inputs: inputs, outputs: outputs, options: options))
        }
        let inputs = try checkIndices(try table.vector(1, of: Int32.self, what: "inputs") ?? [], "subgraph \(sg) input", allowOmitted: false)
        let outputs = try checkIndices(try table.vector(2, of: Int32.self, what: "outputs") ?? [], "subgraph \(sg) output", allowOmitted: false)
        return Subgraph(name: try table.string(4) ?? "", tensors: tensors, operators: operators, inputs: inputs, outputs: outputs)
    }

    private func parseTensor(_ t: FlatTable, index: Int, buffers: [ArraySlice<UInt8>]) throws(ModelError) -> Tensor {
        let name = try t.string(3) ?? ""
        let label = "tensor \(index) '\(name)'"
        let rawType: Int8 = try t.scalar(1, default: 0)
        guard let type = ElementType(rawValue: rawType), type.byteSize != nil else {
            let known = ElementType(rawValue: rawType).map { "\($0)" } ?? "type \(rawType)"
            throw .unsupportedType("\(label) has \(known)")
        }
        let dims = try t.vector(0, of: Int32.self, what: "\(label) shape") ?? []
        guard dims.count <= Self.maxRank else { throw .unsupportedType("\(label) has rank \(dims.count), at most \(Self.maxRank) is supported") }
        var elements = 1
        for d in dims {
            guard d >= 0 else { throw .invalid("\(label) has dimension \(d) in shape \(dims)") }
            let (p, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow, p <= Self.maxElements else { throw .invalid("\(label) shape \(dims) is too large") }
            elements = p
        }
        let bufferIndex = Int(try t.scalar(2, default: UInt32(0)))
        guard bufferIndex < max(buffers.count, 1) else {
            throw .malformed("\(label) refers to buffer \(bufferIndex), but the model has \(buffers.count)")
        }
        var data: ArraySlice<UInt8>? = nil
        if bufferIndex < buffers.count, !buffers[bufferIndex].isEmpty {
            let expected = elements * type.byteSize!
            guard buffers[bufferIndex].count == expected else {
                throw .malformed("\(label) (\(type) \(dims)) needs \(expected) bytes, its buffer \(bufferIndex) has \(buffers[bufferIndex].count)")
            }
            data = buffers[bufferIndex]
        }
        var quantization: Quantization? = nil
        if let q = try t.table(4, name: "\(label) quantization") {
            let scales = try q.floatVector(2, what: "\(label) scales") ?? []
            let zeroPoints = try q.vector(3, of: Int64.self, what: "\(label) zero points") ?? []
            let axis: Int32 = try q.scalar(6, default: 0)
            if !scales.isEmpty {
                guard zeroPoints.count == scales.count || zeroPoints.count == 1 else {
                    throw .invalid("\(label) has \(scales.count) scales but \(zeroPoints.count) zero points")
                }
                guard scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw .invalid("\(label) has a negative or non-finite scale")
                }
                if scales.count > 1 {
                    guard axis >= 0, Int(axis) < dims.count, Int(dims[Int(axis)]) == scales.count else {
                        throw .invalid("\(label) has \(scales.count) per-channel scales on axis \(axis) of shape \(dims)")
                    }
                }
                quantization = Quantization(scales: scales, zeroPoints: zeroPoints.isEmpty ? [0] : zeroPoints,
                                            quantizedDimension: Int(axis))
            }
        }
        return Tensor(index: index, name: name, type: type, shape: dims.map(Int.init), buffer: bufferIndex,
                      quantization: quantization, isVariable: try t.bool(5, default: false), data: data)
    }

    private func parseOptions(type: UInt8, table: FlatTable?, label: String) throws(ModelError) -> OperatorOptions {
        guard type != 0 else { return .none }
        guard let o = table else {
            // An absent table means every field takes its default; model that by
            // an empty options table would need bytes we do not have, so say so.
            throw .malformed("\(label) declares options of type \(type) but has no options table")
        }
        func padding(_ id: Int) throws(ModelError) -> Padding {
            let raw: Int8 = try o.scalar(id, default: 0)
            guard let p = Padding(rawValue: raw) else { throw .malformed("\(label) has padding \(raw)") }
            return p
        }
        func activation(_ id: Int) throws(ModelError) -> FusedActivation {
            let raw: Int8 = try o.scalar(id, default: 0)
            guard let a = FusedActivation(rawValue: raw) else { throw .malformed("\(label) has fused activation \(raw)") }
            return a
        }
        func int(_ id: Int, _ d: Int32) throws(ModelError) -> Int { Int(try o.scalar(id, default: d)) }
        switch type {
        case 1:
            return .conv2D(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                           dilationW: try int(4, 1), dilationH: try int(5, 1), activation: try activation(3))
        case 2:
            return .depthwiseConv2D(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                                    depthMultiplier: try int(3, 0), dilationW: try int(5, 1), dilationH: try int(6, 1),
                                    activation: try activation(4))
        case 5:
            return .pool2D(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                           filterW: try int(3, 0), filterH: try int(4, 0), activation: try activation(5))
        case 8:
            return .fullyConnected(activation: try activation(0), weightsFormat: try o.scalar(1, default: 0),
                                   keepNumDims: try o.bool(2, default: false), asymmetricQuantizeInputs: try o.bool(3, default: false))
        case 9:
            return .softmax(beta: try o.float(0, default: 0))
        case 10:
            return .concatenation(axis: try int(0, 0), activation: try activation(1))
        case 11:
            return .add(activation: try activation(0))
        case 17:
            return .reshape(newShape: try o.vector(0, of: Int32.self, what: "\(label) new_shape")?.map(Int.init))
        case 21:
            return .mul(activation: try activation(0))
        case 27:
            return .reducer(keepDims: try o.bool(0, default: false))
        default:
            return .other(type: type)
        }
    }
}
