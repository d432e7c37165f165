import Foundation
import Testing
import TinyBench

/// Opening ports: which path goes through libserialport, and the errors a user sees.
struct TransportTests {
    @Test func pseudoTerminalsAreRecognised() throws {
        let pty = try PseudoTerminal()
        #expect(PseudoTerminal.isPseudoTerminal(pty.path))
        #expect(!PseudoTerminal.isPseudoTerminal("/dev/null"))
        #expect(!PseudoTerminal.isPseudoTerminal("/nonexistent/tty"))
        // A pseudo-terminal opens through its descriptor and carries bytes both ways.
        let port = try openSerialPort(path: pty.path, baud: 115_200)
        defer { port.close() }
        #expect(throws: TransportError.busy(pty.path)) { try openSerialPort(path: pty.path, baud: 115_200) }
        try pty.host.write(Array("m-ready\r\n".utf8))
        #expect(try port.read(timeout: .seconds(1)) == Array("m-ready\r\n".utf8))
        try port.write(Array("name%".utf8))
        #expect(try pty.host.read(timeout: .seconds(1)) == Array("name%".utf8))
    }

    @Test func missingPortsAreNamed() {
        #expect(throws: TransportError.notFound("/dev/ttyNOSUCH0")) { try openSerialPort(path: "/dev/ttyNOSUCH0", baud: 115_200) }
        #expect(throws: TransportError.notFound("/dev/ttyNOSUCH0")) { try SerialPortTransport(path: "/dev/ttyNOSUCH0") }
        // A file that is not a serial device is refused, not opened.
        #expect(throws: TransportError.self) { try SerialPortTransport(path: "/dev/null") }
    }

    /// A real UART through libserialport, where the machine has one: opened
    /// exclusively, and a read with nothing to read returns within its timeout.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/ttyS0") && (try? SerialPortTransport(path: "/dev/ttyS0").close()) != nil,
                   "no usable /dev/ttyS0 on this machine"))
    func nativePortIsExclusiveAndReadsTimeOut() throws {
        let port = try SerialPortTransport(path: "/dev/ttyS0", baud: 115_200)
        defer { port.close() }
        #expect(throws: TransportError.busy("/dev/ttyS0")) { try SerialPortTransport(path: "/dev/ttyS0", baud: 115_200) }
        let start = ContinuousClock.now
        _ = try port.read(timeout: .milliseconds(100))
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
