import Foundation

/// The board between host and DUT in energy mode (the DUT is powered by the
/// monitor and must not share the host's ground through USB): the
/// STM32H573I-DK "tinyML Enhanced Interface Board" or EEMBC's Arduino IO
/// manager. Commands end with `%`, every reply ends with `m-ready`, and
/// `dut <command>` relays a command whose answer comes back line by line
/// prefixed `[dut]: `.
public final class InterfaceBoard {
    public enum Kind: String, Sendable, Codable {
        case enhanced = "STM32H573I-DK enhanced interface board"
        case arduino = "Arduino IO manager"
    }

    public let transport: any Transport
    public private(set) var name = ""
    public private(set) var kind = Kind.arduino
    public var timeout = 3.0
    private var reader = LineReader()

    /// Opens the board and asks its name (which tells the two kinds apart).
    public init(transport: any Transport) throws {
        self.transport = transport
        _ = try? transport.read(timeout: .milliseconds(100))      // a boot banner, if any
        let lines = try command("name")
        name = lines.first ?? ""
        kind = name.localizedCaseInsensitiveContains("interface board") ? .enhanced : .arduino
    }

    /// The DUT's baud rate as the board reports it (enhanced board only).
    public func dutBaud() throws -> Int? {
        guard kind == .enhanced else { return nil }
        let lines = try command("checkbaud")
        return lines.lazy.compactMap { $0.hasPrefix("baud is:") ? Int($0.dropFirst(8).trimmingCharacters(in: .whitespaces)) : nil }.first
    }

    /// Stores a new DUT baud rate (enhanced board: written to its flash, then it resets).
    public func setDUTBaud(_ baud: Int) throws {
        guard kind == .enhanced else { throw InterfaceBoardError.unsupported("setbaud", name) }
        _ = try command("setbaud \(baud)")
    }

    /// Sends `text%` to the board itself and returns its lines before `m-ready`.
    public func command(_ text: String) throws -> [String] {
        do {
            try transport.write(Array((text + "%").utf8))
        } catch {
            throw InterfaceBoardError.transport(error)
        }
        var lines = [String]()
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            let bytes: [UInt8]
            do {
                bytes = try transport.read(timeout: deadline - ContinuousClock.now)
            } catch {
                throw InterfaceBoardError.transport(error)
            }
            for line in reader.feed(bytes) {
                if line == "m-ready" { return lines }
                // The enhanced board ends `print_dutycycle` with `m-ready` on the last line of values.
                if line.hasSuffix("m-ready") && !line.hasPrefix(DUTPassthrough.prefix) {
                    lines.append(String(line.dropLast("m-ready".count)))
                    return lines
                }
                lines.append(line)
            }
        }
        throw InterfaceBoardError.noAnswer(text, timeout)
    }

    /// A transport to the DUT through this board: the DUT client works over
    /// it unchanged. Each `...%` written becomes `dut ...%`; of the board's
    /// answer only the `[dut]: ` lines pass, without the prefix.
    public func dutTransport() -> any Transport {
        DUTPassthrough(board: transport, name: name)
    }
}

/// The DUT's side of an interface board (see ``InterfaceBoard/dutTransport()``).
final class DUTPassthrough: Transport {
    static let prefix = "[dut]: "
    let board: any Transport
    let endpoint: String
    /// `dut X%` relays command text, so inputs go as hex.
    var carriesBinary: Bool { false }
    private var command = [UInt8]()
    private var lines = LineReader()

    init(board: any Transport, name: String) {
        self.board = board
        endpoint = "DUT behind '\(name)' on \(board.endpoint)"
    }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        for b in bytes {
            if b == UInt8(ascii: "%") {
                try board.write(Array("dut ".utf8) + command + [b])
                command.removeAll()
            } else {
                command.append(b)
            }
        }
    }

    func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        repeat {
            var out = [UInt8]()
            for line in lines.feed(try board.read(timeout: max(deadline - ContinuousClock.now, .zero))) {
                if line.hasPrefix(Self.prefix) {
                    out += Array(line.dropFirst(Self.prefix.count).utf8) + [13, 10]
                } else if line != "m-ready" && !line.hasPrefix("m-dut-passthrough(") {
                    // The board's own complaints reach the client as they are.
                    out += Array(line.utf8) + [13, 10]
                }
            }
            if !out.isEmpty { return out }
        } while ContinuousClock.now < deadline
        return []
    }

    func close() { board.close() }
}

/// Interface board failures.
public enum InterfaceBoardError: Error, CustomStringConvertible {
    case noAnswer(String, Double)
    case unsupported(String, String)
    case transport(TransportError)

    public var description: String {
        switch self {
        case let .noAnswer(c, s): "the interface board did not answer '\(c)%' with m-ready within \(s) s"
        case let .unsupported(c, n): "'\(c)' is not a command of \(n)"
        case .transport(let e): e.description
        }
    }
}
