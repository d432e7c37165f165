/// A buffer that needs arena space from its first to its last use (operator
/// indices, inclusive).
public struct ArenaRequest: Sendable, Equatable {
    public var tensor: Int
    public var size: Int
    public var firstUse: Int
    public var lastUse: Int

    public init(tensor: Int, size: Int, firstUse: Int, lastUse: Int) {
        self.tensor = tensor
        self.size = size
        self.firstUse = firstUse
        self.lastUse = lastUse
    }

    func overlapsInTime(_ other: ArenaRequest) -> Bool {
        firstUse <= other.lastUse && other.firstUse <= lastUse
    }
}

/// The result of planning: an offset for every request and the arena size.
public struct ArenaPlan: Sendable {
    /// Offset in bytes of each tensor in the arena.
    public let offsets: [Int: Int]
    /// Peak arena bytes: the end of the highest placed buffer.
    public let size: Int
    public let requests: [ArenaRequest]
}

/// Greedy offline arena planning in the spirit of TFLM's `GreedyMemoryPlanner`:
/// buffers are placed one by one, each at the lowest aligned offset where it
/// does not collide with any already-placed buffer whose lifetime overlaps its
/// own. TFLM places the largest buffers first; that order is tried first here
/// and a few others after it (first use, longest lifetime, size × lifetime),
/// and the smallest arena wins. No order is best for every graph (on vww01
/// largest-first leaves a hole that first-use order avoids), and planning
/// happens once per model, so trying several costs nothing that matters.
public enum ArenaPlanner {
    public static let alignment = 16

    /// Offsets for `requests` such that two requests alive at the same operator
    /// never share a byte; every offset and the size are multiples of ``alignment``.
    public static func plan(_ requests: [ArenaRequest]) -> ArenaPlan {
        func span(_ r: ArenaRequest) -> Int { r.lastUse - r.firstUse + 1 }
        // Each order is a sort key; ties end on the tensor index so every
        // plan is deterministic. (The area may wrap for absurd sizes: that
        // only changes the order, and every order gives a valid plan.)
        let keys: [(ArenaRequest) -> (Int, Int, Int)] = [
            { (-$0.size, $0.firstUse, $0.tensor) },                     // TFLM: largest first
            { ($0.firstUse, -$0.size, $0.tensor) },                     // in execution order
            { (-span($0), -$0.size, $0.tensor) },                       // longest-lived first
            { (0 &- $0.size &* span($0), -$0.size, $0.tensor) },          // largest area first
        ]
        var best: ArenaPlan?
        for key in keys {
            let order = requests.indices.sorted { key(requests[$0]) < key(requests[$1]) }
            let candidate = place(requests, in: order)
            // Strictly smaller only: on a tie the earlier (TFLM's) order stays.
            if best.map({ candidate.size < $0.size }) ?? true { best = candidate }
        }
        return best!
    }

    /// First-fit placement of `requests` taken in `order`.
    static func place(_ requests: [ArenaRequest], in order: [Int]) -> ArenaPlan {
        var placed: [(request: ArenaRequest, offset: Int)] = []
        var offsets = [Int: Int]()
        var size = 0
        for i in order {
            let r = requests[i]
            // Buffers alive at the same time, in address order.
            let live = placed.filter { $0.request.overlapsInTime(r) }.sorted { $0.offset < $1.offset }
            var candidate = 0
            for p in live {
                if candidate + r.size <= p.offset { break }
                candidate = max(candidate, align(p.offset + p.request.size))
            }
            placed.append((r, candidate))
            offsets[r.tensor] = candidate
            size = max(size, candidate + r.size)
        }
        return ArenaPlan(offsets: offsets, size: align(size), requests: requests)
    }

    /// Each request in its own slot, nothing shared: used when every
    /// intermediate tensor must stay readable after inference.
    public static func planWithoutSharing(_ requests: [ArenaRequest]) -> ArenaPlan {
        var offsets = [Int: Int]()
        var size = 0
        for r in requests {
            offsets[r.tensor] = size
            size = align(size + r.size)
        }
        return ArenaPlan(offsets: offsets, size: size, requests: requests)
    }

    static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Lifetimes of a subgraph's activation tensors: graph inputs live from
    /// operator 0, graph outputs to the last operator; constants need no space.
    /// `keepInputs`: the graph inputs stay live to the end, so running the
    /// graph again reads the same input (TFLM, like the default, reuses their
    /// memory after their last reader).
    public static func requests(for graph: Subgraph, keepInputs: Bool = false) -> [ArenaRequest] {
        var first = [Int: Int]()
        var last = [Int: Int]()
        let end = max(graph.operators.count - 1, 0)
        func use(_ t: Int, _ i: Int) {
            guard t >= 0, !graph.tensors[t].isConstant else { return }
            first[t] = min(first[t] ?? i, i)
            last[t] = max(last[t] ?? i, i)
        }
        for t in graph.inputs { use(t, 0) }
        for (i, op) in graph.operators.enumerated() {
            for t in op.inputs { use(t, i) }
            for t in op.outputs { use(t, i) }
        }
        for t in graph.outputs { use(t, end) }
        if keepInputs { for t in graph.inputs { use(t, end) } }
        return first.keys.sorted().map {
            ArenaRequest(tensor: $0, size: graph.tensors[$0].byteCount, firstUse: first[$0]!, lastUse: last[$0]!)
        }
    }
}
