import Testing
import TinyRuntime

/// MACs and parameters of the reference models against hand-computed figures.
@Suite(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
struct ModelStatisticsTests {
    @Test func kws01ByHand() throws {
        let s = ModelStatistics(model: try SharedConformance.model("kws01"))
        // CONV 10x4 on 49x10x1 -> 25x5x64, then 4 x (DW 3x3 + 1x1 64->64), pool, FC 64->12.
        let conv0 = 25 * 5 * 64 * 10 * 4
        let dw = 25 * 5 * 64 * 9, pw = 25 * 5 * 64 * 64
        #expect(s.operators[0].macs == conv0)
        #expect(s.operators[1].macs == dw)
        #expect(s.operators[2].macs == pw)
        #expect(s.macs == conv0 + 4 * (dw + pw) + 25 * 5 * 64 + 64 * 12)
        // Weights + biases: conv0, 4 DW, 4 PW, FC.
        #expect(s.parameters == (64 * 40 + 64) + 4 * (9 * 64 + 64) + 4 * (64 * 64 + 64) + (12 * 64 + 12))
        #expect(s.operators.map(\.macs).reduce(0, +) == s.macs)
    }

    @Test func ad01ByHand() throws {
        let s = ModelStatistics(model: try SharedConformance.model("ad01"))
        let layers = [(640, 128), (128, 128), (128, 128), (128, 128), (128, 8), (8, 128), (128, 128), (128, 128), (128, 128), (128, 640)]
        #expect(s.macs == layers.reduce(0) { $0 + $1.0 * $1.1 })
        #expect(s.parameters == layers.reduce(0) { $0 + $1.0 * $1.1 + $1.1 })
        #expect(s.arenaBytes > 0 && s.arenaBytes <= 2 * 640 + 32)
    }

    @Test(arguments: SharedConformance.models)
    func totalsAreSumsOfRows(model name: String) throws {
        let s = ModelStatistics(model: try SharedConformance.model(name))
        #expect(s.operators.map(\.macs).reduce(0, +) == s.macs)
        #expect(s.operators.map(\.parameters).reduce(0, +) == s.parameters)
        #expect(s.weightBytes <= s.operators.map(\.weightBytes).reduce(0, +))
        #expect(s.macs > 0 && s.arenaBytes > 0)
    }
}
