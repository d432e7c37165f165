/// Static cost figures of a model: per operator and in total.
///
/// Conventions (the ones MLPerf Tiny papers quote):
/// - **MACs** count multiply-accumulates of the operator's arithmetic per
///   inference: CONV_2D `outH·outW·outC·kH·kW·inC` per batch; DEPTHWISE_CONV_2D
///   `outH·outW·outC·kH·kW`; FULLY_CONNECTED `batches·units·depth`; ADD and MUL
///   one per output element; AVERAGE_POOL_2D and MAX_POOL_2D one per window
///   element of each output (`outputs·kH·kW`); MEAN one per input element;
///   every other operator 0.
/// - **Parameters** are the elements of the constant weight and bias inputs of
///   CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (inputs 1 and 2); constant
///   shape, axis or padding operands of other operators are not parameters.
/// - **Weight bytes** are the bytes of every constant tensor an operator reads
///   (each tensor counted once in the totals).
/// - **Arena bytes** are the activation arena of the greedy plan (``ArenaPlanner``).
public struct ModelStatistics: Sendable {
    /// One operator's figures.
    public struct OperatorRow: Sendable {
        public let index: Int
        public let name: String
        public let inputShapes: [[Int]]
        public let outputShapes: [[Int]]
        /// Key options in a short form, e.g. "3x3 s2 SAME RELU".
        public let options: String
        public let macs: Int
        public let weightBytes: Int
        public let parameters: Int
    }

    public let operators: [OperatorRow]
    public let macs: Int
    public let parameters: Int
    public let weightBytes: Int
    public let arenaBytes: Int

    public init(model: Model) {
        let graph = model.main
        var rows = [OperatorRow]()
        var counted = Set<Int>()
        var weightBytes = 0
        for op in graph.operators {
            let inputs = op.inputs.filter { $0 >= 0 }.map { graph.tensors[$0] }
            let outputs = op.outputs.map { graph.tensors[$0] }
            let constants = inputs.filter(\.isConstant)
            for t in constants where counted.insert(t.index).inserted { weightBytes += t.byteCount }
            rows.append(OperatorRow(
                index: op.index, name: op.customCode.map { "CUSTOM(\($0))" } ?? op.code.description,
                inputShapes: inputs.filter { !$0.isConstant }.map(\.shape), outputShapes: outputs.map(\.shape),
                options: Self.describe(op, graph), macs: Self.macs(op, graph),
                weightBytes: constants.reduce(0) { $0 + $1.byteCount }, parameters: Self.parameters(op, graph)))
        }
        operators = rows
        macs = rows.reduce(0) { $0 + $1.macs }
        parameters = rows.reduce(0) { $0 + $1.parameters }
        self.weightBytes = weightBytes
        arenaBytes = ArenaPlanner.plan(ArenaPlanner.requests(for: graph)).size
    }

    static func macs(_ op: Operator, _ graph: Subgraph) -> Int {
        func shape(_ i: Int) -> [Int]? {
            guard i < op.inputs.count, op.inputs[i] >= 0 else { return nil }
            return graph.tensors[op.inputs[i]].shape
        }
        guard let out = op.outputs.first.map({ graph.tensors[$0] }) else { return 0 }
        switch op.code {
        case .conv2D:
            guard let f = shape(1), f.count == 4 else { return 0 }
            return out.elementCount * f[1] * f[2] * f[3]
        case .depthwiseConv2D:
            guard let f = shape(1), f.count == 4 else { return 0 }
            return out.elementCount * f[1] * f[2]
        case .fullyConnected:
            guard let f = shape(1), f.count == 2 else { return 0 }
            return out.elementCount * f[1]
        case .add, .mul:
            return out.elementCount
        case .averagePool2D, .maxPool2D:
            guard case let .pool2D(_, _, _, fw, fh, _) = op.options else { return 0 }
            return out.elementCount * fw * fh
        case .mean:
            return shape(0).map { $0.reduce(1, *) } ?? 0
        default:
            return 0
        }
    }

    static func parameters(_ op: Operator, _ graph: Subgraph) -> Int {
        guard [.conv2D, .depthwiseConv2D, .fullyConnected].contains(op.code) else { return 0 }
        return op.inputs.enumerated().reduce(0) { sum, item in
            let (position, t) = item
            guard position == 1 || position == 2, t >= 0, graph.tensors[t].isConstant else { return sum }
            return sum + graph.tensors[t].elementCount
        }
    }

    static func describe(_ op: Operator, _ graph: Subgraph) -> String {
        func act(_ a: FusedActivation) -> String { a == .none ? "" : " \(a)" }
        func kernel() -> String {
            guard op.inputs.count > 1, op.inputs[1] >= 0 else { return "" }
            let f = graph.tensors[op.inputs[1]].shape
            return f.count == 4 ? "\(f[1])x\(f[2]) " : ""
        }
        func dilation(_ w: Int, _ h: Int) -> String { w == 1 && h == 1 ? "" : " d\(h)x\(w)" }
        func stride(_ w: Int, _ h: Int) -> String { w == h ? "s\(w)" : "s\(h)x\(w)" }
        switch op.options {
        case let .conv2D(padding, sw, sh, dw, dh, a):
            return "\(kernel())\(stride(sw, sh)) \(padding)\(dilation(dw, dh))\(act(a))"
        case let .depthwiseConv2D(padding, sw, sh, m, dw, dh, a):
            return "\(kernel())\(stride(sw, sh)) \(padding)\(dilation(dw, dh)) x\(max(m, 1))\(act(a))"
        case let .pool2D(padding, sw, sh, fw, fh, a):
            return "\(fh)x\(fw) \(stride(sw, sh)) \(padding)\(act(a))"
        case let .fullyConnected(a, _, keep, _):
            return (keep ? "keep_num_dims" : "") + act(a)
        case let .softmax(beta):
            return "beta \(beta)"
        case let .concatenation(axis, a):
            return "axis \(axis)\(act(a))"
        case let .add(a), let .mul(a):
            return act(a).trimmingPrefix(" ").description
        case let .reducer(keep):
            return keep ? "keep_dims" : ""
        default:
            return ""
        }
    }
}
