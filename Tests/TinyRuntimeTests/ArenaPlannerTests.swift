import Testing
import TinyRuntime

/// The arena plan never lets two buffers that are alive at the same time share
/// bytes, keeps every offset aligned, and is never smaller than what is alive
/// at once nor larger than giving every buffer its own slot.
struct ArenaPlannerTests {
    static func assertValid(_ plan: ArenaPlan, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(plan.size % ArenaPlanner.alignment == 0, "arena size \(plan.size) is not aligned", sourceLocation: sourceLocation)
        var placed = [(ArenaRequest, Int)]()
        for r in plan.requests {
            guard let offset = plan.offsets[r.tensor] else {
                Issue.record("tensor \(r.tensor) has no offset", sourceLocation: sourceLocation)
                continue
            }
            #expect(offset >= 0 && offset % ArenaPlanner.alignment == 0, "tensor \(r.tensor) at \(offset)", sourceLocation: sourceLocation)
            #expect(offset + r.size <= plan.size, "tensor \(r.tensor) ends beyond the arena", sourceLocation: sourceLocation)
            placed.append((r, offset))
        }
        for i in placed.indices {
            for j in placed.indices where j > i {
                let (a, oa) = placed[i], (b, ob) = placed[j]
                let liveTogether = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
                let overlapInMemory = oa < ob + b.size && ob < oa + a.size && a.size > 0 && b.size > 0
                #expect(!(liveTogether && overlapInMemory),
                        "tensors \(a.tensor) and \(b.tensor) are alive together but overlap", sourceLocation: sourceLocation)
            }
        }
    }

    /// The largest total size of the buffers alive at any one operator: no plan can be smaller.
    static func peakLiveBytes(_ requests: [ArenaRequest]) -> Int {
        let last = requests.map(\.lastUse).max() ?? 0
        return (0...max(last, 0)).map { step in
            requests.filter { $0.firstUse <= step && step <= $0.lastUse }.reduce(0) { $0 + $1.size }
        }.max() ?? 0
    }

    /// Every buffer in its own aligned slot: no plan needs more.
    static func sumOfAlignedSizes(_ requests: [ArenaRequest]) -> Int {
        requests.reduce(0) { $0 + ($1.size + ArenaPlanner.alignment - 1) / ArenaPlanner.alignment * ArenaPlanner.alignment }
    }

    static func checkBounds(_ requests: [ArenaRequest], _ plan: ArenaPlan, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(plan.size >= peakLiveBytes(requests), sourceLocation: sourceLocation)
        #expect(plan.size <= sumOfAlignedSizes(requests), sourceLocation: sourceLocation)
        #expect(plan.size <= ArenaPlanner.planWithoutSharing(requests).size, sourceLocation: sourceLocation)
    }

    /// A deterministic linear congruential generator (the test must not depend on the platform's RNG).
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
    }

    /// 2,000 random lifetime/size sets of different character: short and long
    /// lifetimes, sizes that are and are not multiples of the alignment, many
    /// equal sizes (ties in every ordering), empty buffers.
    @Test func randomLifetimesNeverOverlap() {
        var rng = LCG(state: 12345)
        for round in 0..<2000 {
            let count = 1 + rng.next(48)
            let steps = 1 + rng.next(40)
            let maxSpan = [1, 3, 10, 40][round % 4]
            let requests = (0..<count).map { i -> ArenaRequest in
                let first = rng.next(steps)
                let size: Int
                switch round % 5 {
                case 0: size = rng.next(5000)
                case 1: size = 16 * (1 + rng.next(64))
                case 2: size = [1, 100, 1000][rng.next(3)]
                case 3: size = rng.next(3) == 0 ? 0 : 1 + rng.next(100_000)
                default: size = 1 << rng.next(14)
                }
                return ArenaRequest(tensor: i, size: size, firstUse: first, lastUse: first + rng.next(maxSpan))
            }
            let plan = ArenaPlanner.plan(requests)
            Self.assertValid(plan)
            Self.checkBounds(requests, plan)
            // The same requests always give the same plan.
            #expect(ArenaPlanner.plan(requests).offsets == plan.offsets)
        }
    }

    @Test func disjointLifetimesShareMemory() {
        let requests = [ArenaRequest(tensor: 0, size: 1000, firstUse: 0, lastUse: 1),
                        ArenaRequest(tensor: 1, size: 1000, firstUse: 1, lastUse: 2),
                        ArenaRequest(tensor: 2, size: 1000, firstUse: 2, lastUse: 3)]
        let plan = ArenaPlanner.plan(requests)
        Self.assertValid(plan)
        // 0 and 2 never live together, so two slots suffice.
        #expect(plan.size == 2 * 1008)
        #expect(plan.offsets[0] == plan.offsets[2])
    }

    @Test func aChainNeedsOnlyTheLargestAdjacentPair() {
        // A -> B -> C -> D, each alive for the operator that writes it and the next.
        let sizes = [400, 96, 304, 48]
        let requests = sizes.enumerated().map { ArenaRequest(tensor: $0, size: $1, firstUse: $0, lastUse: $0 + 1) }
        let plan = ArenaPlanner.plan(requests)
        Self.assertValid(plan)
        #expect(plan.size == 400 + 96)
    }

    /// vww01's first layers in miniature: placing the largest buffer first
    /// (TFLM's order) leaves a hole and needs 64,512 bytes; the lower bound,
    /// 55,296, is reachable and the planner finds it.
    @Test func largestFirstIsNotAlwaysBest() {
        let requests = [ArenaRequest(tensor: 0, size: 27648, firstUse: 0, lastUse: 0),
                        ArenaRequest(tensor: 1, size: 18432, firstUse: 0, lastUse: 1),
                        ArenaRequest(tensor: 2, size: 18432, firstUse: 1, lastUse: 2),
                        ArenaRequest(tensor: 3, size: 36864, firstUse: 2, lastUse: 3)]
        let plan = ArenaPlanner.plan(requests)
        Self.assertValid(plan)
        #expect(Self.peakLiveBytes(requests) == 55296)
        #expect(plan.size == 55296)
    }

    @Test func emptyAndSingleRequests() {
        #expect(ArenaPlanner.plan([]).size == 0)
        let one = ArenaPlanner.plan([ArenaRequest(tensor: 7, size: 5, firstUse: 0, lastUse: 0)])
        #expect(one.offsets == [7: 0] && one.size == 16)
    }

    /// The plan the interpreter actually uses, checked against lifetimes read
    /// off the graph here (not through ``ArenaPlanner/requests(for:)``): at
    /// every operator, the tensors it reads or writes and every tensor still
    /// needed later (or a graph output already written) occupy disjoint bytes.
    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason),
          arguments: SharedConformance.models)
    func referenceModelPlansAreValidAndTight(model name: String) throws {
        let model = try SharedConformance.model(name)
        let graph = model.main
        let interpreter = try Interpreter(model: model)
        let plan = interpreter.plan

        let activations = graph.tensors.filter { !$0.isConstant }.map(\.index)
        let end = graph.operators.count - 1
        var written = [Int: Int](), lastRead = [Int: Int]()
        for t in graph.inputs { written[t] = 0 }
        for (i, op) in graph.operators.enumerated() {
            for t in op.outputs where written[t] == nil { written[t] = i }
            for t in op.inputs where t >= 0 { lastRead[t] = i }
        }
        for t in graph.outputs { lastRead[t] = end }
        for step in 0...end {
            let op = graph.operators[step]
            let touched = Set((op.inputs + op.outputs).filter { $0 >= 0 && !graph.tensors[$0].isConstant })
            let carried = activations.filter { t in
                guard let w = written[t], let r = lastRead[t] else { return false }
                return w <= step && step <= r
            }
            let live = touched.union(carried).sorted()
            for (n, a) in live.enumerated() {
                let oa = try #require(plan.offsets[a], "\(name): tensor \(a) used by operator \(step) has no place")
                for b in live[(n + 1)...] {
                    let ob = try #require(plan.offsets[b])
                    let sa = graph.tensors[a].byteCount, sb = graph.tensors[b].byteCount
                    #expect(!(oa < ob + sb && ob < oa + sa && sa > 0 && sb > 0),
                            "\(name): tensors \(a) and \(b) are both live at operator \(step) but overlap")
                }
            }
        }

        let requests = ArenaPlanner.requests(for: graph)
        Self.assertValid(plan)
        Self.checkBounds(requests, plan)
        // Sharing pays: well below one slot per tensor.
        #expect(plan.size < Self.sumOfAlignedSizes(requests))
        // And on these chain-like graphs the plan reaches the lower bound
        // (rounded up to the alignment): no byte is wasted.
        let lowerBound = Self.peakLiveBytes(requests)
        #expect(plan.size == (lowerBound + ArenaPlanner.alignment - 1) / ArenaPlanner.alignment * ArenaPlanner.alignment,
                "\(name): arena \(plan.size), lower bound \(lowerBound)")
    }
}
