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
/// largest buffers first, each placed at the lowest aligned offset where it does
/// not collide with any already-placed buffer whose lifetime overlaps its own.
public enum ArenaPlanner {
    public static let alignment = 16

    public static func plan(_ requests: [ArenaRequest]) -> ArenaPlan {
        let order = requests.indices.sorted {
            let a = requests[$0], b = requests[$1]
            if a.size != b.size { return a.size > b.size }
            if a.firstUse != b.firstUse { return a.firstUse < b.firstUse }
            return a.tensor < b.tensor
        }
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
    public static func requests(for graph: Subgraph) -> [ArenaRequest] {
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
        return first.keys.sorted().map {
            ArenaRequest(tensor: $0, size: graph.tensors[$0].byteCount, firstUse: first[$0]!, lastUse: last[$0]!)
        }
    }
}
