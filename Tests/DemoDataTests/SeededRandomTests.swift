import DemoData
import Testing

/// The demo data's random source is fixed forever: the bundled bytes depend on it.
struct SeededRandomTests {
    @Test func streamsAreFixedAndIndependent() {
        var a = SeededRandom(seed: 1, 2, 3), b = SeededRandom(seed: 1, 2, 3), c = SeededRandom(seed: 1, 2, 4)
        let xa = (0..<4).map { _ in a.next() }, xb = (0..<4).map { _ in b.next() }, xc = (0..<4).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
        var d = SeededRandom(seed: 7)
        let u = (0..<10_000).map { _ in d.unit() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = u.reduce(0, +) / Double(u.count)
        #expect(abs(mean - 0.5) < 0.02)
        var e = SeededRandom(seed: 9)
        let ints = (0..<1000).map { _ in e.int(3...5) }
        #expect(Set(ints) == [3, 4, 5])
    }
}
