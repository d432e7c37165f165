import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// Waiting done right: a device served on a pseudo-terminal takes client
/// after client and can always be stopped.
@Suite(.serialized)
struct WaitingTests {
    /// Sends `command` and returns what came back until `m-ready` (or 5 s).
    static func ask(_ port: any Transport, _ command: String) throws -> String {
        try port.write(Array(command.utf8))
        var text = ""
        let deadline = ContinuousClock.now + .seconds(5)
        while !text.contains("m-ready"), ContinuousClock.now < deadline {
            text += String(decoding: try port.read(timeout: .milliseconds(200)), as: UTF8.self)
        }
        return text
    }

    /// Whether the terminal at `path` refuses further opens (TIOCEXCL), as read with TIOCGEXCL.
    static func isExclusive(_ path: String) throws -> Bool {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw TransportError.io("cannot open \(path)") }
        defer { close(fd) }
        var flag: Int32 = 0
        guard ioctl(fd, UInt(0x8004_5440), &flag) == 0 else { throw TransportError.io("TIOCGEXCL failed on \(path)") }
        return flag != 0
    }

    @Test func aServedDUTTakesOneClientAfterAnother() throws {
        let server = try PseudoTerminalServer(device: try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01))
        server.start()
        defer { server.stop() }
        for _ in 0..<3 {
            let port = try openSerialPort(path: server.path, baud: 115_200)
            #expect(try Self.ask(port, "name%").contains("m-name-dut-["))
            port.close()
            // The port's claim goes with it: the next client, unless root, would otherwise get EBUSY.
            #expect(try !Self.isExclusive(server.path))
        }
    }

    /// A client that left a PPK2 streaming leaves a full terminal behind,
    /// with the server stuck writing to it: stopping still works.
    @Test func aServerStopsAlthoughNobodyReadsItsStream() throws {
        let lab = try LabServer(model: try Model(bytes: HarnessData.modelBytes("kws01")), benchmark: .kws01, monitor: .ppk2)
        lab.start()
        let port = try openSerialPort(path: lab.monitorPath, baud: 115_200)
        try port.write([0x06])                  // start: 400 kB/s from now on
        #expect(try !port.read(timeout: .seconds(2)).isEmpty, "the emulated PPK2 did not stream")
        port.close()
        Thread.sleep(forTimeInterval: 0.5)      // far more than the terminal holds
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            lab.stop()
            stopped.signal()
        }
        #expect(stopped.wait(timeout: .now() + 10) == .success, "the lab did not stop within 10 s")
    }
}
