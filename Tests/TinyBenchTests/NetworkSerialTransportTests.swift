import Foundation
import Testing
import TinyBench
#if canImport(Glibc)
import Glibc
#endif

/// `rfc2217://` and `socket://` ports against a scripted server on 127.0.0.1:
/// the bytes a client must send, and what it must make of the server's.
@Suite(.serialized)
struct NetworkSerialTransportTests {
    // Telnet and RFC 2217 codes, spelled out here so the tests do not lean on the transport's own.
    static let iac: UInt8 = 255, sb: UInt8 = 250, se: UInt8 = 240, nop: UInt8 = 241
    static let will: UInt8 = 251, wont: UInt8 = 252, `do`: UInt8 = 253, dont: UInt8 = 254
    static let binary: UInt8 = 0, echo: UInt8 = 1, sga: UInt8 = 3, comPort: UInt8 = 44

    static func subnegotiation(_ command: UInt8, _ value: [UInt8]) -> [UInt8] {
        [iac, sb, comPort, command] + value.flatMap { $0 == iac ? [iac, iac] : [$0] } + [iac, se]
    }

    static func baud(_ rate: UInt32) -> [UInt8] { withUnsafeBytes(of: rate.bigEndian, Array.init) }

    /// What ser2net 4.3 sends first on a `telnet(rfc2217)` port (seen on this machine).
    static let greeting: [UInt8] = [iac, will, sga, iac, `do`, sga, iac, will, echo, iac, dont, echo,
                                    iac, `do`, binary, iac, will, binary, iac, `do`, comPort]
        + subnegotiation(107, [0])  // NOTIFY-MODEMSTATE

    static let purge = subnegotiation(12, [3])

    /// Plays ser2net for a pseudo-terminal: greets, waits for the line settings,
    /// acknowledges them (the baud rate as `acknowledge`, nil for never) but
    /// never SET-CONTROL.
    static func handshake(_ peer: FakeServer.Peer, acknowledge: UInt32? = 115_200) throws {
        peer.send(greeting)
        try peer.receive { $0.firstRange(of: purge) != nil }
        guard let acknowledge else { return }
        peer.send(subnegotiation(101, baud(acknowledge)) + subnegotiation(102, [8]) + subnegotiation(103, [1])
                  + subnegotiation(104, [1]) + subnegotiation(112, [3]))
    }

    @Test func negotiatesTheLineAndRecordsTheAcknowledgedBaud() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer)
            try peer.receiveUntilClosed()
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        let start = ContinuousClock.now
        let port = try NetworkSerialTransport(url: url, baud: 115_200, timeout: .seconds(5))
        // The SET-CONTROL acknowledgement never comes; only a short wait for the purge's may follow the baud's.
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(port.acknowledgedBaud == 115_200)
        #expect(port.endpoint == "\(url) @ 115200")
        port.close()
        var sent = try server.finish()

        #expect(Array(sent.prefix(3)) == [Self.iac, Self.will, Self.comPort])
        let baudCommand = Self.subnegotiation(1, Self.baud(115_200))
        #expect(sent.firstRange(of: baudCommand)!.lowerBound < sent.firstRange(of: Self.purge)!.lowerBound)
        // Every expected sequence exactly once and nothing else: agree to SGA and BINARY,
        // refuse ECHO, and no answer to DONT ECHO or to DO COM-PORT (already in that state).
        let expected: [[UInt8]] = [
            [Self.iac, Self.will, Self.comPort],
            [Self.iac, Self.do, Self.sga], [Self.iac, Self.will, Self.sga], [Self.iac, Self.dont, Self.echo],
            [Self.iac, Self.will, Self.binary], [Self.iac, Self.do, Self.binary],
            baudCommand, Self.subnegotiation(2, [8]), Self.subnegotiation(3, [1]), Self.subnegotiation(4, [1]),
            Self.subnegotiation(5, [1]), Self.purge,
        ]
        for sequence in expected {
            guard let range = sent.firstRange(of: sequence) else {
                Issue.record("the client did not send \(sequence)")
                continue
            }
            sent.removeSubrange(range)
        }
        #expect(sent == [], "unexpected bytes from the client")
    }

    @Test func changesTheBaudRateAndControlLinesLater() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer)
            try peer.receive { $0.firstRange(of: Self.subnegotiation(1, Self.baud(9600))) != nil }
            peer.send(Self.subnegotiation(101, Self.baud(9600)))
            try peer.receiveUntilClosed()
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        let port = try NetworkSerialTransport(url: url)
        try port.setBaud(9600)
        #expect(port.acknowledgedBaud == 9600)
        #expect(port.endpoint == "\(url) @ 9600")
        // Unacknowledged, as ser2net leaves them for a pseudo-terminal: a short wait (250 ms each), no error,
        // well under the 5 s a required acknowledgement is given (bounds generous for a loaded machine).
        let start = ContinuousClock.now
        try port.setControlLines(dtr: false, rts: true)
        #expect(ContinuousClock.now - start < .seconds(4))
        port.close()
        let sent = try server.finish()
        #expect(sent.firstRange(of: Self.subnegotiation(5, [9]) + Self.subnegotiation(5, [11])) != nil)
    }

    @Test func byte255IsDoubledOnTheWireAndSingleWhenRead() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer)
            try peer.receive { $0.suffix(4) == [0x41, 255, 255, 0x42] }
            peer.send([0x43, 255, 255, 0x44])
            try peer.receiveUntilClosed()
        }
        let port = try NetworkSerialTransport(url: "rfc2217://127.0.0.1:\(server.port)")
        try port.write([0x41, 255, 0x42])
        #expect(try Self.read(port, count: 3) == [0x43, 255, 0x44])
        port.close()
        #expect(try server.finish().suffix(4) == [0x41, 255, 255, 0x42])
    }

    @Test func telnetCommandsSplitAcrossReadsAreStripped() throws {
        let stream: [UInt8] = Array("a".utf8) + Self.subnegotiation(106, [0x60])  // NOTIFY-LINESTATE
            + Array("b".utf8) + [Self.iac, Self.nop]
            + Array("c".utf8) + [Self.iac, Self.iac]
            + Array("d".utf8) + Self.subnegotiation(107, [0xFF])  // NOTIFY-MODEMSTATE, 255 doubled inside
            + Array("e".utf8) + [Self.iac, Self.will, Self.binary]  // already agreed: no answer
            + Array("f".utf8) + [Self.iac, Self.do, 5]  // an option we do not support: refused
            + Array("g".utf8)
        let server = try FakeServer { peer in
            try Self.handshake(peer)
            // One byte per packet, so every command is cut at every possible place.
            for byte in stream {
                peer.send([byte])
                usleep(2000)
            }
            try peer.receiveUntilClosed()
        }
        let port = try NetworkSerialTransport(url: "rfc2217://127.0.0.1:\(server.port)")
        #expect(try Self.read(port, count: 8) == Array("abc".utf8) + [255] + Array("defg".utf8))
        // Nothing more arrives (no command leaked as data).
        #expect(try port.read(timeout: .milliseconds(100)) == [])
        port.close()
        let sent = try server.finish()
        #expect(sent.firstRange(of: [Self.iac, Self.wont, 5]) != nil)
        #expect(Self.occurrences(of: [Self.iac, Self.do, Self.binary], in: sent) == 1, "BINARY agreed to once")
    }

    @Test func missingBaudAcknowledgementIsAnErrorWithinTheBound() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer, acknowledge: nil)
            try peer.receiveUntilClosed()
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        let start = ContinuousClock.now
        let error = #expect(throws: TransportError.self) {
            try NetworkSerialTransport(url: url, baud: 115_200, timeout: .milliseconds(500))
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(3))
        #expect(error?.description == "\(url) did not acknowledge the baud rate 115200 within 0.5 s (an RFC 2217 server? ser2net needs `telnet(rfc2217)` in its accepter)")
        _ = try server.finish()
    }

    @Test func anotherAcknowledgedBaudIsAnError() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer, acknowledge: 57600)
            try peer.receiveUntilClosed()
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        #expect(throws: TransportError.io("\(url) set 57600 baud instead of the requested 115200")) {
            try NetworkSerialTransport(url: url, baud: 115_200)
        }
        _ = try server.finish()
    }

    @Test func aServerWithoutTheComPortOptionIsNamed() throws {
        let server = try FakeServer { peer in
            try peer.receive { $0.starts(with: [Self.iac, Self.will, Self.comPort]) }
            peer.send([Self.iac, Self.dont, Self.comPort])
            try peer.receiveUntilClosed()
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        let start = ContinuousClock.now
        #expect(throws: TransportError.io("\(url) refused the RFC 2217 COM-PORT option (ser2net needs `telnet(rfc2217)` in its accepter)")) {
            try NetworkSerialTransport(url: url, timeout: .seconds(5))
        }
        #expect(ContinuousClock.now - start < .seconds(3), "a refusal is final: no need to wait for the timeout")
        _ = try server.finish()
    }

    @Test func refusedConnectionNamesHostAndPort() throws {
        let free = try FakeServer.unusedPort()
        let url = "rfc2217://127.0.0.1:\(free)"
        #expect(throws: TransportError.io("cannot connect to 127.0.0.1:\(free) (\(url)): Connection refused")) {
            try openSerialPort(path: url, baud: 115_200)
        }
    }

    @Test(arguments: [
        ("rfc2217://127.0.0.1", "no port"),
        ("rfc2217://127.0.0.1:", "no port"),
        ("rfc2217://:2217", "no host"),
        ("rfc2217://[::1]", "no port"),
        ("rfc2217://[::1]2217", "no port"),
        ("rfc2217://127.0.0.1:70000", "port '70000' is not a number from 1 to 65535"),
        ("socket://127.0.0.1:0", "port '0' is not a number from 1 to 65535"),
        ("socket://127.0.0.1:22x", "port '22x' is not a number from 1 to 65535"),
        ("telnet://127.0.0.1:23", "unknown scheme 'telnet'"),
    ])
    func badURLsAreRefusedWithTheReason(url: String, reason: String) throws {
        let error = #expect(throws: TransportError.self) { try openSerialPort(path: url, baud: 115_200) }
        #expect(error?.description.hasPrefix("bad port URL '\(url)': \(reason)") == true, "\(String(describing: error))")
    }

    @Test func unknownHostIsNamed() throws {
        let error = #expect(throws: TransportError.self) { try openSerialPort(path: "rfc2217://no-such-host.invalid:2217", baud: 115_200) }
        #expect(error?.description.hasPrefix("cannot find host 'no-such-host.invalid' of rfc2217://no-such-host.invalid:2217: ") == true,
                "\(String(describing: error))")
    }

    @Test func serverClosingIsClosed() throws {
        let server = try FakeServer { peer in
            try Self.handshake(peer)
            peer.send(Array("m-ready\r\n".utf8))
        }
        let url = "rfc2217://127.0.0.1:\(server.port)"
        let port = try NetworkSerialTransport(url: url)
        defer { port.close() }
        #expect(try Self.read(port, count: 9) == Array("m-ready\r\n".utf8))
        _ = try server.finish()
        #expect(throws: TransportError.closed("the connection to \(url)")) { try Self.read(port, count: 1) }
        #expect(throws: TransportError.closed("the connection to \(url)")) { try port.write(Array("name%".utf8)) }
    }

    @Test func rawSocketCarriesBytesUnchanged() throws {
        let server = try FakeServer { peer in
            peer.send([Self.iac, Self.sb, Self.comPort, 0, Self.iac])
            try peer.receive { $0.count >= 3 }
            try peer.receiveUntilClosed()
        }
        let url = "socket://127.0.0.1:\(server.port)"
        let port = try openSerialPort(path: url, baud: 115_200)
        let network = try #require(port as? NetworkSerialTransport)
        #expect(network.acknowledgedBaud == nil)
        #expect(port.endpoint == url)
        #expect(try Self.read(port, count: 5) == [Self.iac, Self.sb, Self.comPort, 0, Self.iac])
        try port.write([Self.iac, Self.iac, 1])
        #expect(throws: TransportError.io("cannot set DTR/RTS on \(url): raw TCP carries data only (use rfc2217://)")) {
            try network.setControlLines(dtr: true)
        }
        port.close()
        #expect(try server.finish() == [Self.iac, Self.iac, 1], "no negotiation and no doubling on a raw socket")
    }

    static func occurrences(of sequence: [UInt8], in bytes: [UInt8]) -> Int {
        bytes.ranges(of: sequence).count
    }

    /// Reads until `count` bytes have come (more is an error), within two seconds.
    static func read(_ port: any Transport, count: Int) throws -> [UInt8] {
        var bytes = [UInt8]()
        let deadline = ContinuousClock.now + .seconds(2)
        while bytes.count < count && ContinuousClock.now < deadline {
            bytes += try port.read(timeout: .milliseconds(100))
        }
        return bytes
    }
}

/// A TCP server on 127.0.0.1 (a free port) that serves one connection on its
/// own thread with `script`, and keeps every byte the client sent.
final class FakeServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: String?
    private var received: [UInt8] = []

    /// The connection as the script sees it. Every wait is bounded.
    final class Peer {
        fileprivate let fd: Int32
        fileprivate let server: FakeServer
        private(set) var received: [UInt8] = []
        fileprivate var closedByClient = false

        fileprivate init(fd: Int32, server: FakeServer) {
            self.fd = fd
            self.server = server
        }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Reads until `condition` holds for everything received so far, or throws after `timeout`.
        func receive(within timeout: Duration = .seconds(20), until condition: ([UInt8]) -> Bool) throws {
            let deadline = ContinuousClock.now + timeout
            while !condition(received) {
                guard ContinuousClock.now < deadline, !closedByClient else {
                    throw FakeServer.Failure("the client sent \(received), not what the server waits for")
                }
                readOnce()
            }
        }

        /// Reads until the client closes the connection, at most `timeout`.
        func receiveUntilClosed(within timeout: Duration = .seconds(30)) throws {
            let deadline = ContinuousClock.now + timeout
            while !closedByClient {
                guard ContinuousClock.now < deadline else { throw FakeServer.Failure("the client did not close the connection") }
                readOnce()
            }
        }

        private func readOnce() {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 {
                closedByClient = true
                return
            }
            received += buffer[0..<n]
            server.record(buffer[0..<n])
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    init(_ script: @escaping @Sendable (Peer) throws -> Void) throws {
        // Close-on-exec, like the accepted socket: a child another test spawns
        // meanwhile must not keep this connection open after it is closed here.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw Failure("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        port = Self.localPort(fd)
        listener = fd
        Thread { [self] in
            defer { done.signal() }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 5000) > 0 else { return fail("no client connected within 5 s") }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return fail("accept failed") }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            defer { close(client) }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            do {
                try script(Peer(fd: client, server: self))
            } catch {
                fail("\(error)")
            }
        }.start()
    }

    /// Waits (at most 40 s) for the script to end, closes the server, and
    /// returns every byte the client sent; the script's failure is thrown.
    func finish() throws -> [UInt8] {
        let ended = done.wait(timeout: .now() + 40) == .success
        close(listener)
        guard ended else { throw Failure("the server script did not end within 40 s") }
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw Failure(failure) }
        return received
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then released).
    static func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw Failure("cannot bind 127.0.0.1:0") }
        return localPort(fd)
    }

    private func record(_ bytes: ArraySlice<UInt8>) {
        lock.lock()
        received += bytes
        lock.unlock()
    }

    private func fail(_ message: String) {
        lock.lock()
        failure = failure ?? message
        lock.unlock()
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private static func localPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }
}
