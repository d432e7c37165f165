import Foundation

/// A byte pipe to a device under test: a serial port, a pseudo-terminal, or an
/// in-process emulated device. Everything above it is the same for all three.
public protocol Transport: AnyObject {
    /// Human-readable endpoint, e.g. `/dev/ttyACM0 @ 115200` or `emulated kws01`.
    var endpoint: String { get }
    func write(_ bytes: [UInt8]) throws(TransportError)
    /// Bytes that have arrived, waiting at most `timeout` for the first one;
    /// empty when nothing came in time.
    func read(timeout: Duration) throws(TransportError) -> [UInt8]
    func close()
    /// True when there is no wire: what is written arrives exactly and at
    /// once (an in-process emulated DUT), so read-back verification would
    /// only cost time.
    var isLossless: Bool { get }
    /// Whether any byte value reaches the DUT as it is (binary input blocks
    /// need it); false for links that carry text lines only, such as an
    /// interface board's `dut` passthrough.
    var carriesBinary: Bool { get }
}

extension Transport {
    /// Anything with a line can lose or corrupt a byte.
    public var isLossless: Bool { false }
    public var carriesBinary: Bool { true }
}

/// Transport failures, phrased for the person at the keyboard.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case busy(String)
    case permissionDenied(String, group: String)
    case io(String)
    case closed(String)

    public var description: String {
        switch self {
        case .notFound(let p): "serial port \(p) does not exist (see `tinybench ports`)"
        case .busy(let p): "serial port \(p) is in use by another program"
        case let .permissionDenied(p, g): "no permission to open \(p): add yourself to the '\(g)' group (sudo usermod -aG \(g) $USER) and log in again"
        case .io(let s): s
        case .closed(let p): "\(p) was closed"
        }
    }
}

extension Duration {
    var milliseconds: Int {
        let (s, atto) = components
        return Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
    }

    var inSeconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// A transport whose DUT runs in this process and can be handed a command or
/// a binary input block as a value: no bytes are written, read or split into
/// lines, and no CRC is computed (nothing between host and DUT can damage
/// them). The DUT behaves exactly as if the wire bytes had arrived (its
/// virtual clock advances by every byte each way); ``DUTClient`` counts the
/// same bytes for its link usage, so a run gives the same results either way.
/// Transports with a wire (serial ports, pseudo-terminals, QEMU) do not adopt it.
public protocol InProcessExchange: Transport {
    /// Whether the DUT printed something not yet read (a boot banner): the
    /// client then reads it from the byte stream first, as it would on a wire.
    var hasUnreadOutput: Bool { get }
    /// `text%` as the DUT would receive it: its reply lines, `m-ready` included.
    func command(_ text: String) throws(TransportError) -> [String]
    /// The block's header, payload and CRC as the DUT would receive them: its reply lines, `m-ready` included.
    func block(_ block: BinaryBlock) throws(TransportError) -> [String]
}
