import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// Waiting done right: a device served on a pseudo-terminal takes client
/// after client and can always be stopped, and a DUT that does not answer
/// the handshake is reported retry by retry, then with what to check.
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

    /// Answers anything with text that never ends in m-ready: a DUT heard at the wrong baud rate.
    final class GarbageTransport: Transport {
        let endpoint = "garbage"
        private var pending = [UInt8]()
        func write(_ bytes: [UInt8]) throws(TransportError) { pending += Array("x~#q\r\n".utf8) }
        func read(timeout: Duration) throws(TransportError) -> [UInt8] {
            if pending.isEmpty {
                Thread.sleep(forTimeInterval: 0.01)
                return []
            }
            defer { pending.removeAll() }
            return pending
        }
        func close() {}
    }

    static func session(_ transport: any Transport, interfaceBoard: String? = nil) throws -> (Session, notices: () -> [String]) {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let data = try Dataset(root: root, benchmark: .kws01)
        var manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "/dev/ttyACM0", baud: 115_200,
                                           device: .board(on: "/dev/ttyACM0"), model: nil)
        manifest.interfaceBoard = interfaceBoard
        var settings = SessionSettings()
        settings.mode = .performance
        settings.attemptsPerSample = 2
        let session = Session(client: DUTClient(transport: transport, timeouts: .init(line: 0.2, infer: 0.4)), benchmark: .kws01,
                              dataset: data, settings: settings, manifest: manifest, output: SessionTests.tempDir())
        let notices = NoticeList()
        session.notice = { notices.append($0) }
        return (session, { notices.all })
    }

    final class NoticeList: @unchecked Sendable {
        private let lock = NSLock()
        private var items = [String]()
        func append(_ s: String) { lock.withLock { items.append(s) } }
        var all: [String] { lock.withLock { items } }
    }

    @Test func aWrongBaudRateIsToldRetryByRetryThenWhatToCheck() throws {
        let (session, notices) = try Self.session(GarbageTransport())
        do {
            _ = try session.run()
            Issue.record("a DUT that never answered was accepted")
        } catch {
            #expect(notices() == [1, 2].map {
                "no m-ready after name% on /dev/ttyACM0 at 115200 baud within 0.2 s, only 'x~#q' (attempt \($0) of 2)"
            })
            let text = "\(error)"
            #expect(text.hasPrefix("stopped while identifying the DUT: no m-ready after name% on /dev/ttyACM0 at 115200 baud"), "\(text)")
            #expect(text.contains("(2 attempts). Check the baud rate (--baud"), "\(text)")
            #expect(text.contains("energy-mode firmware talks at 9600") && text.contains("no other program"), "\(text)")
        }
    }

    @Test func aSilentDUTBehindAnInterfaceBoardGetsTheBoardsHint() throws {
        let (session, notices) = try Self.session(NeverAnswering(), interfaceBoard: "tinyML Enhanced Interface Board")
        do {
            _ = try session.run()
            Issue.record("a DUT that never answered was accepted")
        } catch {
            #expect(notices().first == "no answer to name% from the DUT behind the interface board on /dev/ttyACM0 within 0.2 s (attempt 1 of 2)")
            #expect("\(error)".contains("Check that the DUT runs its energy-mode build at the interface board's DUT baud rate (9600 by default)"))
        }
    }

    /// Takes every command and says nothing.
    final class NeverAnswering: Transport {
        let endpoint = "silent"
        func write(_ bytes: [UInt8]) throws(TransportError) {}
        func read(timeout: Duration) throws(TransportError) -> [UInt8] {
            Thread.sleep(forTimeInterval: 0.01)
            return []
        }
        func close() {}
    }
}
