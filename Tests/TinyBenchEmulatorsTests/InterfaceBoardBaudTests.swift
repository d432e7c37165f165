import Foundation
import Testing
import TestSupport
import TinyRuntime
import TinyBench
import TinyBenchEmulators

/// `InterfaceBoard.syncDUTBaud`: as the runner's `sync_baud`, but `setbaud`
/// (which resets a real board) only when `checkbaud` reports another rate.
struct InterfaceBoardBaudTests {
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
