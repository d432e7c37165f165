import Testing
import TinyRuntime

/// The arena plan never lets two buffers that are alive at the same time share bytes.
struct ArenaPlannerTests {
    static func assertValid(_ plan: ArenaPlan, sourceLocation: SourceLocation = #_sourceLocation) {
        let placed = plan.requests.map { ($0, plan.offsets[$0.tensor]!) }
        for (r, offset) in placed {
            #expect(offset % ArenaPlanner.alignment == 0, sourceLocation: sourceLocation)
            #expect(offset + r.size <= plan.size, sourceLocation: sourceLocation)
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

    @Test func randomLifetimesNeverOverlap() {
        var seed: UInt64 = 12345
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<300 {
            let count = 1 + next(40)
            let requests = (0..<count).map { i -> ArenaRequest in
                let first = next(30)
                return ArenaRequest(tensor: i, size: next(5000), firstUse: first, lastUse: first + next(10))
            }
            let plan = ArenaPlanner.plan(requests)
            Self.assertValid(plan)
            #expect(plan.size >= Self.peakLiveBytes(requests))
            #expect(plan.size <= ArenaPlanner.planWithoutSharing(requests).size)
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

    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason),
          arguments: SharedConformance.models)
    func referenceModelPlansAreValidAndTight(model name: String) throws {
        let graph = try SharedConformance.model(name).main
        let requests = ArenaPlanner.requests(for: graph)
        let plan = ArenaPlanner.plan(requests)
        Self.assertValid(plan)
        #expect(plan.size >= Self.peakLiveBytes(requests))
        #expect(plan.size < ArenaPlanner.planWithoutSharing(requests).size)
        // Every activation tensor of the graph has a place.
        for t in graph.tensors where !t.isConstant && plan.offsets[t.index] == nil {
            #expect(!graph.operators.contains { $0.inputs.contains(t.index) || $0.outputs.contains(t.index) })
        }
    }
}
