/// Static cost figures of a model's main subgraph: per operator and in total.
///
/// Conventions (those of the MLPerf Tiny papers, so the figures compare with
/// the quoted ones: kws01 2.66 M MACs, vww01 7.49 M, ad01 0.26 M, ic01 12.5 M):
///
/// - **MACs** count the multiply-accumulates of one inference:
///   CONV_2D `batches·outH·outW·outC·kH·kW·inC` (inC of the filter, so grouped
///   convolutions count per group); DEPTHWISE_CONV_2D `batches·outH·outW·outC·kH·kW`
///   (outC includes the depth multiplier); FULLY_CONNECTED `batches·units·depth`;
///   ADD and MUL one per output element; AVERAGE_POOL_2D and MAX_POOL_2D one per
///   window element of each output (`outputs·kH·kW`); MEAN one per input
///   element (it is a global average pool by another name, and counting it
///   keeps the two spellings of the same model equal); every other operator 0
///   (data movement, lookups and activations are not multiply-accumulates).
/// - **Parameters** are the elements of the learned constant tensors: the
///   constant filter and bias (inputs 1 and 2) of CONV_2D, DEPTHWISE_CONV_2D and
///   FULLY_CONNECTED, and the constant operands of ADD and MUL (a folded
///   batch-norm scale or shift). Constants that configure an operator rather
///   than weight it — RESHAPE's shape, PAD's paddings, PADV2's pad value,
///   MEAN's axes and the like — are not parameters.
/// - **Weight bytes** are the bytes of every constant tensor an operator reads,
///   configuration constants included: what the model's flash image holds.
/// - In the totals a constant tensor read by several operators counts once;
///   per operator it counts in each row that reads it.
/// - **Arena bytes** are the size of the activation arena of the
///   ``ArenaPlanner`` plan, the RAM the interpreter allocates for activations.
///
/// A model can load without being runnable (an unsupported operator, options
/// no kernel would accept); its figures are still computed, and products that
/// a corrupted shape or option would overflow saturate at `Int.max` instead of
/// trapping. Negative sizes in options count as 0.
public struct ModelStatistics: Sendable {
    /// One operator's figures.
    public struct OperatorRow: Sendable {
        /// Position in the subgraph's execution order.
        public let index: Int
        /// Schema name, e.g. "CONV_2D", or "CUSTOM(name)" for custom operators.
        public let name: String
        /// Shapes of the non-constant inputs (constants are weights, counted in ``weightBytes``).
        public let inputShapes: [[Int]]
        public let outputShapes: [[Int]]
        /// Key options in a short form: kernel, stride, padding, dilation,
        /// depth multiplier and fused activation, e.g. "3x3 s2 SAME RELU".
        public let options: String
        public let macs: Int
        /// Bytes of the constant tensors this operator reads.
        public let weightBytes: Int
        /// Elements of this operator's learned constants (see the type's conventions).
        public let parameters: Int
    }

    public let operators: [OperatorRow]
    /// Sum of the operators' MACs.
    public let macs: Int
    /// Elements of all learned constants, each tensor once.
    public let parameters: Int
    /// Bytes of all constants operators read, each tensor once.
    public let weightBytes: Int
    /// Size of the planned activation arena.
    public let arenaBytes: Int

    public init(model: Model) {
        let graph = model.main
        var rows = [OperatorRow]()
        var seenWeights = Set<Int>(), seenParameters = Set<Int>()
        var weightBytes = 0, parameters = 0, macs = 0
        for op in graph.operators {
            let inputs = op.inputs.filter { $0 >= 0 }.map { graph.tensors[$0] }
            let constants = inputs.filter(\.isConstant)
            let learned = Self.parameterTensors(op, graph)
            for t in constants where seenWeights.insert(t.index).inserted { weightBytes = Self.sum(weightBytes, t.byteCount) }
            for t in learned where seenParameters.insert(t).inserted { parameters = Self.sum(parameters, graph.tensors[t].elementCount) }
            let row = OperatorRow(
                index: op.index,
                name: op.customCode.map { "CUSTOM(\($0))" } ?? op.code.description,
                inputShapes: inputs.filter { !$0.isConstant }.map(\.shape),
                outputShapes: op.outputs.map { graph.tensors[$0].shape },
                options: Self.describe(op, graph),
                macs: Self.macs(op, graph),
                weightBytes: constants.reduce(0) { Self.sum($0, $1.byteCount) },
                parameters: learned.reduce(0) { Self.sum($0, graph.tensors[$1].elementCount) })
            macs = Self.sum(macs, row.macs)
            rows.append(row)
        }
        operators = rows
        self.macs = macs
        self.parameters = parameters
        self.weightBytes = weightBytes
        arenaBytes = ArenaPlanner.plan(ArenaPlanner.requests(for: graph)).size
    }

    // MARK: - Conventions

    static func macs(_ op: Operator, _ graph: Subgraph) -> Int {
        func shape(_ i: Int) -> [Int]? {
            guard i < op.inputs.count, op.inputs[i] >= 0 else { return nil }
            return graph.tensors[op.inputs[i]].shape
        }
        guard let output = op.outputs.first.map({ graph.tensors[$0] }) else { return 0 }
        let outputs = output.elementCount
        switch op.code {
        case .conv2D:
            // Filter [outC, kH, kW, inC]: each output element takes kH·kW·inC products.
            guard let f = shape(1), f.count == 4 else { return 0 }
            return product([outputs, f[1], f[2], f[3]])
        case .depthwiseConv2D:
            // Filter [1, kH, kW, outC]: each output element takes kH·kW products.
            guard let f = shape(1), f.count == 4 else { return 0 }
            return product([outputs, f[1], f[2]])
        case .fullyConnected:
            // Weights [units, depth]; the output holds batches·units elements.
            guard let f = shape(1), f.count == 2 else { return 0 }
            return product([outputs, f[1]])
        case .add, .mul:
            return outputs
        case .averagePool2D, .maxPool2D:
            guard case let .pool2D(_, _, _, filterW, filterH, _) = op.options else { return 0 }
            return product([outputs, filterW, filterH])
        case .mean:
            return shape(0).map { product($0) } ?? 0
        default:
            return 0
        }
    }

    /// Indices of the tensors that hold `op`'s learned constants (see the type's conventions).
    static func parameterTensors(_ op: Operator, _ graph: Subgraph) -> [Int] {
        let positions: Set<Int>
        switch op.code {
        case .conv2D, .depthwiseConv2D, .fullyConnected: positions = [1, 2]
        case .add, .mul: positions = [0, 1]
        default: return []
        }
        return op.inputs.enumerated().compactMap { position, t in
            positions.contains(position) && t >= 0 && graph.tensors[t].isConstant ? t : nil
        }
    }

    static func describe(_ op: Operator, _ graph: Subgraph) -> String {
        /// "3x3" from a [_, kH, kW, _] filter at input 1.
        func kernel() -> String? {
            guard op.inputs.count > 1, op.inputs[1] >= 0 else { return nil }
            let f = graph.tensors[op.inputs[1]].shape
            return f.count == 4 ? "\(f[1])x\(f[2])" : nil
        }
        func stride(_ w: Int, _ h: Int) -> String { w == h ? "s\(w)" : "s\(h)x\(w)" }
        func dilation(_ w: Int, _ h: Int) -> String? { w == 1 && h == 1 ? nil : w == h ? "d\(w)" : "d\(h)x\(w)" }
        func activation(_ a: FusedActivation) -> String? { a == .none ? nil : "\(a)" }
        let parts: [String?]
        switch op.options {
        case let .conv2D(padding, sw, sh, dw, dh, a):
            parts = [kernel(), stride(sw, sh), "\(padding)", dilation(dw, dh), activation(a)]
        case let .depthwiseConv2D(padding, sw, sh, multiplier, dw, dh, a):
            // The multiplier only when it is not the usual 1.
            parts = [kernel(), stride(sw, sh), "\(padding)", dilation(dw, dh), multiplier > 1 ? "dm\(multiplier)" : nil, activation(a)]
        case let .pool2D(padding, sw, sh, fw, fh, a):
            parts = ["\(fh)x\(fw)", stride(sw, sh), "\(padding)", activation(a)]
        case let .fullyConnected(a, _, keepNumDims, _):
            parts = [keepNumDims ? "keep_num_dims" : nil, activation(a)]
        case let .softmax(beta):
            parts = ["beta \(beta)"]
        case let .concatenation(axis, a):
            parts = ["axis \(axis)", activation(a)]
        case let .add(a), let .mul(a):
            parts = [activation(a)]
        case let .reducer(keepDims):
            parts = [keepDims ? "keep_dims" : nil]
        default:
            parts = []
        }
        return parts.compactMap { $0 }.joined(separator: " ")
    }

    // MARK: - Arithmetic that cannot trap

    /// The product of `factors`: 0 when any is zero or negative, `Int.max` when it overflows.
    static func product(_ factors: [Int]) -> Int {
        guard factors.allSatisfy({ $0 > 0 }) else { return 0 }
        var p = 1
        for f in factors {
            let (r, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return .max }
            p = r
        }
        return p
    }

    /// `a + b` for non-negative figures, saturating at `Int.max`.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : r
    }
}
