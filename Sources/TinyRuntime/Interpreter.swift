/// Runs a ``Model``'s main subgraph with TFLM-exact int8 kernels.
///
/// Construction plans the activation arena and prepares every operator (all
/// precomputation happens here); ``invoke()`` then runs the prepared kernels in
/// order without allocating. Not thread-safe: use one interpreter per thread.
public final class Interpreter {
    /// Options that change how the interpreter lays out memory.
    public struct Options: Sendable {
        /// Give every activation tensor its own arena slot so all intermediate
        /// tensors can be read after ``invoke()`` (costs memory; for debugging
        /// and conformance checks of intermediates).
        public var preserveAllTensors: Bool
        /// Keep the graph inputs' memory for the whole run, so invoking again
        /// without setting the input repeats the same inference (what firmware
        /// running `infer N W` on one loaded sample needs).
        public var keepInputs: Bool

        public init(preserveAllTensors: Bool = false, keepInputs: Bool = false) {
            self.preserveAllTensors = preserveAllTensors
            self.keepInputs = keepInputs
        }
    }

    /// Activation memory a model may ask for; far beyond any microcontroller,
    /// and it keeps a corrupted shape from allocating gigabytes.
    public static let maxArenaBytes = 256 << 20

    public let model: Model
    public let plan: ArenaPlan
    private let arena: UnsafeMutableRawPointer
    private let constants: UnsafeMutableRawPointer
    private let pointers: [UnsafeMutableRawPointer?]
    private let kernels: [PreparedKernel]

    public var graph: Subgraph { model.main }
    /// The graph's input tensors, in order.
    public var inputs: [Tensor] { graph.inputs.map { graph.tensors[$0] } }
    /// The graph's output tensors, in order.
    public var outputs: [Tensor] { graph.outputs.map { graph.tensors[$0] } }

    public init(model: Model, options: Options = Options()) throws(ModelError) {
        self.model = model
        let graph = model.main
        guard !graph.operators.isEmpty else { throw .invalid("the main subgraph has no operators") }
        guard !graph.inputs.isEmpty, !graph.outputs.isEmpty else { throw .invalid("the main subgraph has no inputs or outputs") }

        let requests = ArenaPlanner.requests(for: graph, keepInputs: options.keepInputs)
        plan = options.preserveAllTensors ? ArenaPlanner.planWithoutSharing(requests) : ArenaPlanner.plan(requests)
        guard plan.size <= Self.maxArenaBytes else {
            throw .invalid("the activations need \(plan.size) bytes of arena, more than the \(Self.maxArenaBytes) supported")
        }
        arena = .allocate(byteCount: max(plan.size, ArenaPlanner.alignment), alignment: ArenaPlanner.alignment)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.size, ArenaPlanner.alignment))

        // Constants are copied once into aligned storage so kernels may read
        // them through typed pointers.
        var constantOffsets = [Int: Int]()
        var constantBytes = 0
        for t in graph.tensors where t.isConstant {
            constantOffsets[t.index] = constantBytes
            constantBytes = ArenaPlanner.align(constantBytes + t.byteCount)
        }
        constants = .allocate(byteCount: max(constantBytes, ArenaPlanner.alignment), alignment: ArenaPlanner.alignment)
        var pointers = [UnsafeMutableRawPointer?](repeating: nil, count: graph.tensors.count)
        for t in graph.tensors {
            if let data = t.data, let offset = constantOffsets[t.index] {
                let p = constants + offset
                data.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                pointers[t.index] = p
            } else if let offset = plan.offsets[t.index] {
                pointers[t.index] = arena + offset
            }
        }
        self.pointers = pointers

        var kernels = [PreparedKernel]()
        do throws(ModelError) {
            for op in graph.operators {
                for t in op.outputs where graph.tensors[t].isConstant {
                    throw .invalid("\(op.label) writes constant tensor \(t)")
                }
                kernels.append(try KernelRegistry.prepare(KernelContext(op: op, tensors: graph.tensors, pointers: pointers)))
            }
        } catch {
            arena.deallocate()
            constants.deallocate()
            throw error
        }
        self.kernels = kernels
    }

    deinit {
        arena.deallocate()
        constants.deallocate()
    }

    /// Every operator's prepared parameters in execution order, for the
    /// firmware generator; throws naming the first operator the firmware does
    /// not implement.
    public func layerPlans() throws(ModelError) -> [LayerPlan] {
        var plans = [LayerPlan]()
        for (op, kernel) in zip(graph.operators, kernels) {
            guard let plan = kernel.plan else {
                throw .unsupportedOperator("\(op.label) is not implemented by the firmware (only CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, same-shape ADD, SOFTMAX and RESHAPE are)")
            }
            plans.append(plan)
        }
        return plans
    }

    /// Copies raw bytes into input `index`; the size must match exactly.
    public func setInput(_ bytes: some Collection<UInt8>, at index: Int = 0) throws(ModelError) {
        let tensor = try inputTensor(index)
        guard bytes.count == tensor.byteCount else {
            throw .badInput("input \(index) ('\(tensor.name)', \(tensor.type) \(tensor.shape)) takes \(tensor.byteCount) bytes, got \(bytes.count)")
        }
        let p = pointers[tensor.index]!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        for b in bytes {
            p[i] = b
            i += 1
        }
    }

    /// Direct access to input `index`'s storage, for callers that fill it in place.
    public func withInputBuffer<R>(at index: Int = 0, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
        let tensor = try inputTensor(index)
        return try body(UnsafeMutableRawBufferPointer(start: pointers[tensor.index]!, count: tensor.byteCount))
    }

    /// Runs every operator once.
    public func invoke() {
        for k in kernels { k.eval() }
    }

    /// The bytes of output `index`.
    public func output(at index: Int = 0) throws(ModelError) -> [UInt8] {
        guard index >= 0, index < graph.outputs.count else {
            throw .badInput("the model has \(graph.outputs.count) outputs, not \(index + 1)")
        }
        return tensorBytes(graph.outputs[index])!
    }

    /// The current bytes of any tensor with storage (activation or constant).
    /// Intermediate activations are only meaningful with `preserveAllTensors`.
    public func tensorBytes(_ index: Int) -> [UInt8]? {
        guard index >= 0, index < graph.tensors.count, let p = pointers[index] else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: graph.tensors[index].byteCount))
    }

    private func inputTensor(_ index: Int) throws(ModelError) -> Tensor {
        guard index >= 0, index < graph.inputs.count else {
            throw .badInput("the model has \(graph.inputs.count) inputs, not \(index + 1)")
        }
        return graph.tensors[graph.inputs[index]]
    }
}
