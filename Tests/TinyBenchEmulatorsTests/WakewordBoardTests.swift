import Foundation
import Testing
import TestSupport
import TinyRuntime
import TinyBench
import TinyBenchEmulators

/// The sww bench's board seen from the host: `InterfaceBoard.syncDUTBaud`
/// (as the runner's `sync_baud`, but `setbaud`, which resets a real board,
/// only when `checkbaud` reports another rate), and a DUT that resets while
/// a stream plays.
struct WakewordBoardTests {
    /// The DUT browns out as the stream starts: it is idle at `stop`, and the
    /// step says so instead of scoring a partial stream.
    @Test func aDUTThatResetsDuringTheStreamIsAnError() throws {
        let model = try Model(contentsOf: HarnessData.demo.appendingPathComponent("models/sww01.tflite"))
        let card = HarnessData.demo.appendingPathComponent("sww01")
        let bench = try EmulatedWakewordBench(model: model, sdCard: card)
        bench.board.resetAtNextPlay = true
        bench.start()
        defer { bench.stop() }
        let board = try InterfaceBoard(transport: try openSerialPort(path: bench.interfacePath, baud: 115_200))
        defer { board.transport.close() }
        var step = WakewordStreamStep(board: board, dut: DUTClient(transport: board.dutTransport()))
        step.settleSeconds = 0
        let truth = try #require(try WakewordStreamTruth.read(card.appendingPathComponent("sww_demo_test.json")).first)
        let error = try #require(throws: WakewordStreamStep.Failure.self) { try step.run(truth) }
        #expect(error.description.contains("not streaming when sww_demo_24s.wav ended (did it reset?)"), "\(error)")
        // The next run, with a DUT that stays up, scores the stream.
        let again = try step.run(truth)
        #expect(again.activations.count == 750, "\(again.activations.count) frames, \(again.score.accuracyLine)")
    }

    @Test func setbaudOnlyWhenTheRateDiffers() throws {
        let model = try Model(contentsOf: HarnessData.demo.appendingPathComponent("models/sww01.tflite"))
        let bench = try EmulatedWakewordBench(model: model, sdCard: HarnessData.demo.appendingPathComponent("sww01"))
        bench.start()
        defer { bench.stop() }
        let board = try InterfaceBoard(transport: try openSerialPort(path: bench.interfacePath, baud: 115_200))
        defer { board.transport.close() }
        #expect(try board.dutBaud() == 115_200)
        #expect(try board.syncDUTBaud(115_200, resetSeconds: 0) == false)
        #expect(try board.syncDUTBaud(9_600, resetSeconds: 0) == true)
        #expect(try board.dutBaud() == 9_600)
        #expect(board.name == EmulatedInterfaceBoard.enhancedName)
    }
}
