import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A serial port served over TCP by a lab machine (ser2net or any RFC 2217
/// server), so one host can drive boards plugged into another:
///
/// - `rfc2217://HOST:PORT`: Telnet (RFC 854) with the COM-PORT option (RFC
///   2217). On connect the port is set to the requested baud, 8N1, no flow
///   control, and both directions are purged; the server must acknowledge the
///   baud rate, and that acknowledged rate is what ``acknowledgedBaud`` and
///   ``endpoint`` report. The baud rate and DTR/RTS can be changed later.
/// - `socket://HOST:PORT`: the bytes as they are, for a server that forwards
///   raw TCP (the baud rate is then whatever the server configured).
///
/// Telnet commands and subnegotiations from the server (including its
/// line-state and modem-state notifications) never reach the reader, and the
/// data byte 255 travels doubled on the wire, as Telnet requires.
public final class NetworkSerialTransport: Transport {
    /// How the bytes travel.
    public enum Scheme: String, Sendable {
        case rfc2217
        case socket
    }

    /// The URL as given, e.g. `rfc2217://127.0.0.1:23456`.
    public let url: String
    /// `rfc2217` or `socket`, from the URL.
    public let scheme: Scheme
    /// The baud rate the RFC 2217 server acknowledged last (nil for `socket://`).
    public private(set) var acknowledgedBaud: Int?
    /// The URL and, for RFC 2217, the acknowledged baud rate: `rfc2217://127.0.0.1:23456 @ 115200`.
    public var endpoint: String { acknowledgedBaud.map { "\(url) @ \($0)" } ?? url }

    /// Bound for connecting, for each write, and for the acknowledgement of a baud rate.
    private let timeout: Duration
    private let connection: SharedDescriptor
    private var peerClosed = false
    /// Data that arrived while waiting for an acknowledgement (or decoded in
    /// the same packet as one), handed out by the next `read`.
    private var pending: [UInt8] = []
    private var decoder = TelnetDecoder()
    /// Options we perform (WILL) and the server performs (WILL, as we see it).
    private var localOptions: Set<UInt8> = []
    private var remoteOptions: Set<UInt8> = []
    /// Options we offered with WILL and the server has not yet answered.
    private var offered: Set<UInt8> = []
    private var comPortRefused = false
    /// Server acknowledgements (command + 100) seen so far: how many, and the last value.
    private var acknowledgements: [UInt8: (count: Int, value: [UInt8])] = [:]
    /// Set while a PURGE-DATA is unanswered: data that arrives before its
    /// acknowledgement left the device before the purge and is dropped.
    private var purging = false

    /// Whether `path` is a URL this transport serves (`openSerialPort` routes on it).
    public static func handles(_ path: String) -> Bool { path.contains("://") }

    /// Connects to `url` within `timeout`; for `rfc2217://` also sets `baud` 8N1
    /// and waits (within `timeout`) for the server to acknowledge the baud rate.
    /// (`socket://` ignores `baud`: the server's configuration sets the rate.)
    public init(url: String, baud: Int = 115_200, timeout: Duration = .seconds(5)) throws(TransportError) {
        let address = try Address(url)
        self.url = url
        scheme = address.scheme
        self.timeout = timeout
        connection = SharedDescriptor(try Self.connect(address, url: url, timeout: timeout))
        guard scheme == .rfc2217 else { return }
        do {
            try negotiate(baud: baud)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        guard scheme == .rfc2217, bytes.contains(Telnet.iac) else {
            return try send(bytes, what: "write")
        }
        var escaped = [UInt8]()
        escaped.reserveCapacity(bytes.count + 8)
        for b in bytes {
            escaped.append(b)
            if b == Telnet.iac { escaped.append(b) }
        }
        try send(escaped, what: "write")
    }

    public func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if !pending.isEmpty {
                defer { pending = [] }
                return pending
            }
            try receive(until: deadline)
        } while ContinuousClock.now < deadline || !pending.isEmpty
        return []
    }

    public func close() {
        connection.close()
    }

    /// Changes the baud rate (RFC 2217 only) and waits for the server to acknowledge it.
    public func setBaud(_ baud: Int) throws(TransportError) {
        try requireRFC2217("change the baud rate")
        let before = acknowledgementCount(Command.setBaudRate)
        try sendCommand(Command.setBaudRate, value: try baudValue(baud))
        try awaitBaudAcknowledgement(baud, after: before)
    }

    /// Raises or lowers DTR and RTS (RFC 2217 only), e.g. to reset a board.
    /// Waits briefly for the server's acknowledgements but does not require
    /// them: ser2net does not acknowledge these for a device without modem lines.
    public func setControlLines(dtr: Bool? = nil, rts: Bool? = nil) throws(TransportError) {
        try requireRFC2217("set DTR/RTS")
        let values = [dtr.map { $0 ? Control.dtrOn : Control.dtrOff }, rts.map { $0 ? Control.rtsOn : Control.rtsOff }].compactMap { $0 }
        let before = acknowledgementCount(Command.setControl)
        for value in values { try sendCommand(Command.setControl, value: [value]) }
        _ = try awaitAcknowledgement(Command.setControl, count: before + values.count, within: Self.optionalAcknowledgementWait)
    }

    /// How long an acknowledgement the server may omit is waited for.
    static let optionalAcknowledgementWait = Duration.milliseconds(250)

    // MARK: - RFC 2217 negotiation

    private func negotiate(baud: Int) throws(TransportError) {
        let value = try baudValue(baud)
        offered.insert(Telnet.comPortOption)
        localOptions.insert(Telnet.comPortOption)
        try send([Telnet.iac, Telnet.will, Telnet.comPortOption], what: "negotiation")
        // Sent at once (the server handles them in order), then only the baud rate's answer is required.
        let before = acknowledgementCount(Command.setBaudRate)
        try sendCommand(Command.setBaudRate, value: value)
        try sendCommand(Command.setDataSize, value: [8])
        try sendCommand(Command.setParity, value: [Command.parityNone])
        try sendCommand(Command.setStopSize, value: [Command.oneStopBit])
        try sendCommand(Command.setControl, value: [Control.noFlowControl])
        let purgesBefore = acknowledgementCount(Command.purgeData)
        purging = true
        try sendCommand(Command.purgeData, value: [Command.purgeBoth])
        try awaitBaudAcknowledgement(baud, after: before)
        if try !awaitAcknowledgement(Command.purgeData, count: purgesBefore + 1, within: Self.optionalAcknowledgementWait) {
            // The server does not answer purges: no way to tell old bytes from new.
            purging = false
        }
    }

    /// SET-BAUDRATE's value: 4 bytes, big-endian (0 would only ask for the current rate).
    private func baudValue(_ baud: Int) throws(TransportError) -> [UInt8] {
        guard baud > 0, baud <= Int(UInt32.max) else { throw .io("cannot set \(baud) baud on \(url): not a baud rate") }
        return withUnsafeBytes(of: UInt32(baud).bigEndian, Array.init)
    }

    private func awaitBaudAcknowledgement(_ baud: Int, after before: Int) throws(TransportError) {
        guard try awaitAcknowledgement(Command.setBaudRate, count: before + 1, within: timeout) else {
            throw .io("\(url) did not acknowledge the baud rate \(baud) within \(Self.seconds(timeout)) s (an RFC 2217 server? ser2net needs `telnet(rfc2217)` in its accepter)")
        }
        let value = acknowledgements[Command.setBaudRate]?.value ?? []
        guard value.count == 4 else {
            throw .io("\(url) acknowledged the baud rate with \(value.count) bytes instead of 4")
        }
        let acknowledged = value.reduce(0) { $0 << 8 | Int($1) }
        guard acknowledged == baud else {
            throw .io("\(url) set \(acknowledged) baud instead of the requested \(baud)")
        }
        acknowledgedBaud = acknowledged
    }

    /// Reads until the server has sent `count` acknowledgements of `command` in
    /// all, or `within` has passed (false).
    private func awaitAcknowledgement(_ command: UInt8, count: Int, within: Duration) throws(TransportError) -> Bool {
        let deadline = ContinuousClock.now + within
        while acknowledgementCount(command) < count {
            if comPortRefused {
                throw .io("\(url) refused the RFC 2217 COM-PORT option (ser2net needs `telnet(rfc2217)` in its accepter)")
            }
            guard ContinuousClock.now < deadline else { return false }
            try receive(until: deadline)
        }
        return true
    }

    private func acknowledgementCount(_ command: UInt8) -> Int { acknowledgements[command]?.count ?? 0 }

    private func requireRFC2217(_ what: String) throws(TransportError) {
        guard scheme == .rfc2217 else { throw .io("cannot \(what) on \(url): raw TCP carries data only (use rfc2217://)") }
    }

    /// IAC SB COM-PORT-OPTION command value IAC SE, with 255 in the value doubled.
    private func sendCommand(_ command: UInt8, value: [UInt8]) throws(TransportError) {
        var bytes: [UInt8] = [Telnet.iac, Telnet.sb, Telnet.comPortOption, command]
        for b in value {
            bytes.append(b)
            if b == Telnet.iac { bytes.append(b) }
        }
        bytes += [Telnet.iac, Telnet.se]
        try send(bytes, what: "negotiation")
    }

    /// Answers the server's option negotiation the RFC 854 way: agree to
    /// BINARY and SUPPRESS-GO-AHEAD (and COM-PORT, ours), refuse the rest, and
    /// never answer a request for the state an option is already in, so two
    /// sides cannot loop.
    private func negotiation(_ verb: UInt8, _ option: UInt8, replies: inout [UInt8]) {
        switch verb {
        case Telnet.do:
            if localOptions.contains(option) {
                offered.remove(option)
            } else if Telnet.performedByUs.contains(option) {
                localOptions.insert(option)
                replies += [Telnet.iac, Telnet.will, option]
            } else {
                replies += [Telnet.iac, Telnet.wont, option]
            }
        case Telnet.dont:
            if offered.remove(option) != nil {
                localOptions.remove(option)
                if option == Telnet.comPortOption { comPortRefused = true }
            } else if localOptions.remove(option) != nil {
                replies += [Telnet.iac, Telnet.wont, option]
            }
        case Telnet.will:
            if remoteOptions.contains(option) { break }
            if Telnet.performedByServer.contains(option) {
                remoteOptions.insert(option)
                replies += [Telnet.iac, Telnet.do, option]
            } else {
                replies += [Telnet.iac, Telnet.dont, option]
            }
        default:  // WONT
            if remoteOptions.remove(option) != nil { replies += [Telnet.iac, Telnet.dont, option] }
        }
    }

    /// An RFC 2217 answer (command + 100) or notification from the server.
    private func subnegotiation(_ bytes: [UInt8]) {
        guard bytes.count >= 2, bytes[0] == Telnet.comPortOption else { return }
        let command = bytes[1]
        guard command >= Command.serverOffset else { return }
        let code = command - Command.serverOffset
        let seen = acknowledgementCount(code)
        acknowledgements[code] = (seen + 1, Array(bytes.dropFirst(2)))
        if code == Command.purgeData && purging {
            purging = false
            pending.removeAll()
        }
    }

    // MARK: - Socket

    /// One wait for bytes (until `deadline` at most) and one read of them:
    /// data goes to `pending`, Telnet commands are handled.
    private func receive(until deadline: ContinuousClock.Instant) throws(TransportError) {
        guard !peerClosed else { throw .closed(closedName) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received: Int? = try connection.use { fd throws(TransportError) -> Int in
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(clamping: max((deadline - ContinuousClock.now).milliseconds, 0)))
            if ready < 0 {
                if errno == EINTR { return 0 }
                throw .io("waiting on \(url) failed: \(String(cString: strerror(errno)))")
            }
            guard ready > 0 else { return 0 }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return 0 }
                if e == ECONNRESET || e == EPIPE || e == ETIMEDOUT { return -1 }
                throw .io("read from \(url) failed: \(String(cString: strerror(e)))")
            }
            guard n > 0 else { return -1 }
            // A server that leaves Nagle on (ser2net does unless told `tcp(nodelay)`) holds the
            // second of two short replies until this side acknowledges the first, and Linux
            // delays that acknowledgement by up to 40 ms unless asked not to, after every read.
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &yes, socklen_t(MemoryLayout<Int32>.size))
            return n
        }
        guard let received else { throw .closed(closedName) }
        if received < 0 {
            peerClosed = true
            throw .closed(closedName)
        }
        guard received > 0 else { return }
        let n = received
        guard scheme == .rfc2217 else {
            pending += buffer[0..<n]
            return
        }
        let pieces: [TelnetDecoder.Piece]
        do {
            pieces = try decoder.feed(buffer[0..<n])
        } catch {
            throw .io("\(url) sent a Telnet subnegotiation longer than \(TelnetDecoder.maxSubnegotiation) bytes (not an RFC 2217 server?)")
        }
        var replies = [UInt8]()
        for piece in pieces {
            switch piece {
            case .data(let bytes): pending += bytes
            case let .negotiation(verb, option): negotiation(verb, option, replies: &replies)
            case .subnegotiation(let bytes): subnegotiation(bytes)
            }
        }
        if !replies.isEmpty { try send(replies, what: "negotiation") }
    }

    /// Sends all of `bytes`, within the timeout plus a millisecond per byte (a slow
    /// serial line behind the server may hold the data back).
    private func send(_ bytes: [UInt8], what: String) throws(TransportError) {
        guard !peerClosed else { throw .closed(closedName) }
        let deadline = ContinuousClock.now + timeout + .milliseconds(bytes.count)
        let sent: Bool? = try connection.use { fd throws(TransportError) -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n >= 0 {
                    offset += n
                    continue
                }
                let e = errno
                switch e {
                case EAGAIN, EWOULDBLOCK, EINTR:
                    guard ContinuousClock.now < deadline else {
                        throw .io("\(what) to \(url) timed out after \(offset) of \(bytes.count) bytes")
                    }
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, Int32(clamping: max((deadline - ContinuousClock.now).milliseconds, 1)))
                case EPIPE, ECONNRESET:
                    return false
                default:
                    throw .io("\(what) to \(url) failed: \(String(cString: strerror(e)))")
                }
            }
            return true
        }
        guard sent == true else {
            if sent == false { peerClosed = true }
            throw .closed(closedName)
        }
    }

    private var closedName: String { "the connection to \(url)" }

    private static func seconds(_ d: Duration) -> String { String(format: "%g", Double(d.milliseconds) / 1000) }

    /// A non-blocking TCP connection (TCP_NODELAY: commands are short and
    /// every one waits for its answer) to the first address of the host that
    /// accepts within `timeout`.
    private static func connect(_ address: Address, url: String, timeout: Duration) throws(TransportError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0, let list else {
            throw .io("cannot find host '\(address.host)' of \(url): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let deadline = ContinuousClock.now + timeout
        var failure = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry?.pointee {
            entry = info.ai_next
            // Close-on-exec: a process started meanwhile (QEMU, an emulator) must not hold the
            // connection open after we close it, or the server would never see it end.
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard fd >= 0 else {
                failure = String(cString: strerror(errno))
                continue
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var error: Int32 = 0
            if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
                error = errno
                if error == EINPROGRESS {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    let ready = poll(&p, 1, Int32(clamping: max((deadline - ContinuousClock.now).milliseconds, 0)))
                    if ready > 0 {
                        var length = socklen_t(MemoryLayout<Int32>.size)
                        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
                    } else {
                        error = ETIMEDOUT
                    }
                }
            }
            guard error == 0 else {
                Glibc.close(fd)
                failure = error == ETIMEDOUT ? "no answer within \(seconds(timeout)) s" : String(cString: strerror(error))
                if ContinuousClock.now >= deadline { break }
                continue
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
        throw .io("cannot connect to \(address.hostAndPort) (\(url)): \(failure)")
    }
}

extension NetworkSerialTransport {
    /// `scheme://host:port`, checked; `[v6 address]` in brackets.
    struct Address {
        var scheme: Scheme
        var host: String
        var port: Int
        var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        init(_ url: String) throws(TransportError) {
            let usage = "expected rfc2217://HOST:PORT or socket://HOST:PORT"
            guard let separator = url.range(of: "://") else { throw .io("bad port URL '\(url)': \(usage)") }
            let name = String(url[..<separator.lowerBound])
            guard let scheme = Scheme(rawValue: name.lowercased()) else {
                throw .io("bad port URL '\(url)': unknown scheme '\(name)', \(usage)")
            }
            let authority = url[separator.upperBound...]
            let hostPart: Substring, portPart: Substring?
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                hostPart = authority[authority.index(after: authority.startIndex)..<close]
                let rest = authority[authority.index(after: close)...]
                portPart = rest.hasPrefix(":") ? rest.dropFirst() : nil
            } else if let colon = authority.lastIndex(of: ":") {
                hostPart = authority[..<colon]
                portPart = authority[authority.index(after: colon)...]
            } else {
                hostPart = authority
                portPart = nil
            }
            guard !hostPart.isEmpty else { throw .io("bad port URL '\(url)': no host, \(usage)") }
            guard let portPart, !portPart.isEmpty else { throw .io("bad port URL '\(url)': no port, \(usage)") }
            guard portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portPart), (1...65535).contains(port) else {
                throw .io("bad port URL '\(url)': port '\(portPart)' is not a number from 1 to 65535")
            }
            self.scheme = scheme
            host = String(hostPart)
            self.port = port
        }
    }

    /// Telnet (RFC 854, 856, 858) codes and the options this client agrees to.
    enum Telnet {
        static let iac: UInt8 = 255
        static let dont: UInt8 = 254
        static let `do`: UInt8 = 253
        static let wont: UInt8 = 252
        static let will: UInt8 = 251
        static let sb: UInt8 = 250
        static let se: UInt8 = 240
        static let binary: UInt8 = 0
        static let suppressGoAhead: UInt8 = 3
        static let comPortOption: UInt8 = 44
        static let performedByUs: Set<UInt8> = [binary, suppressGoAhead, comPortOption]
        static let performedByServer: Set<UInt8> = [binary, suppressGoAhead]
    }

    /// RFC 2217 COM-PORT-OPTION commands (client to server; answers add 100).
    enum Command {
        static let setBaudRate: UInt8 = 1
        static let setDataSize: UInt8 = 2
        static let setParity: UInt8 = 3
        static let setStopSize: UInt8 = 4
        static let setControl: UInt8 = 5
        static let purgeData: UInt8 = 12
        static let serverOffset: UInt8 = 100
        static let parityNone: UInt8 = 1
        static let oneStopBit: UInt8 = 1
        static let purgeBoth: UInt8 = 3
    }

    /// SET-CONTROL values.
    enum Control {
        static let noFlowControl: UInt8 = 1
        static let dtrOn: UInt8 = 8
        static let dtrOff: UInt8 = 9
        static let rtsOn: UInt8 = 11
        static let rtsOff: UInt8 = 12
    }
}

/// Splits a Telnet byte stream into data and commands. It keeps its state
/// between calls, so a command or subnegotiation split across reads (down to
/// one byte per read) is still recognised.
struct TelnetDecoder {
    enum Piece {
        case data([UInt8])
        case negotiation(verb: UInt8, option: UInt8)
        /// The bytes between IAC SB and IAC SE, with doubled 255s undone.
        case subnegotiation([UInt8])
    }

    /// A subnegotiation longer than this is not RFC 2217 (whose longest is 6 bytes).
    static let maxSubnegotiation = 256

    struct Overlong: Error {}

    private enum State {
        case data, command, option(verb: UInt8), subnegotiation, subnegotiationCommand
    }

    private typealias T = NetworkSerialTransport.Telnet
    private var state = State.data
    private var subnegotiation: [UInt8] = []

    mutating func feed(_ bytes: ArraySlice<UInt8>) throws(Overlong) -> [Piece] {
        var pieces = [Piece]()
        var data = [UInt8]()
        func flush() {
            if !data.isEmpty { pieces.append(.data(data)) }
            data = []
        }
        for b in bytes {
            switch state {
            case .data:
                if b == T.iac { state = .command } else { data.append(b) }
            case .command:
                state = .data
                switch b {
                case T.iac: data.append(b)
                case T.sb:
                    state = .subnegotiation
                    subnegotiation = []
                case T.will, T.wont, T.do, T.dont: state = .option(verb: b)
                default: break  // NOP, GA, BREAK...: nothing for a byte pipe
                }
            case .option(let verb):
                flush()
                pieces.append(.negotiation(verb: verb, option: b))
                state = .data
            case .subnegotiation:
                if b == T.iac {
                    state = .subnegotiationCommand
                } else {
                    guard subnegotiation.count < Self.maxSubnegotiation else { throw Overlong() }
                    subnegotiation.append(b)
                }
            case .subnegotiationCommand:
                switch b {
                case T.iac:
                    guard subnegotiation.count < Self.maxSubnegotiation else { throw Overlong() }
                    subnegotiation.append(b)
                    state = .subnegotiation
                case T.se:
                    flush()
                    pieces.append(.subnegotiation(subnegotiation))
                    state = .data
                case T.will, T.wont, T.do, T.dont:
                    // An unterminated subnegotiation: drop it and take the command.
                    state = .option(verb: b)
                default:
                    state = .data
                }
            }
        }
        flush()
        return pieces
    }
}
