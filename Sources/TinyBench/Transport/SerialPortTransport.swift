import CSerialPort
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A serial port through libserialport: 8N1, no flow control, the requested
/// baud, opened exclusively (no other program may open it while we run).
///
/// libserialport only knows ports the kernel lists in sysfs, so a
/// pseudo-terminal (an emulated DUT, QEMU, socat) is opened with
/// `FileDescriptorTransport` instead; `openSerialPort(path:baud:)` chooses.
public final class SerialPortTransport: Transport {
    public let endpoint: String
    private var port: OpaquePointer?

    public init(path: String, baud: Int = 115_200) throws(TransportError) {
        var port: OpaquePointer?
        guard sp_get_port_by_name(path, &port) == SP_OK, let port else {
            throw FileManager.default.fileExists(atPath: path)
                ? .io("\(path) is not a serial port libserialport knows (see `tinybench ports`)")
                : .notFound(path)
        }
        guard sp_open(port, SP_MODE_READ_WRITE) == SP_OK else {
            let code = sp_last_error_code()
            sp_free_port(port)
            throw Self.openError(path, errno: code)
        }
        var fd: Int32 = -1
        if sp_get_port_handle(port, &fd) == SP_OK, fd >= 0, !FileDescriptorTransport.claimExclusively(fd) {
            sp_close(port)
            sp_free_port(port)
            throw .busy(path)
        }
        let configured = sp_set_baudrate(port, Int32(clamping: baud)) == SP_OK
            && sp_set_bits(port, 8) == SP_OK
            && sp_set_parity(port, SP_PARITY_NONE) == SP_OK
            && sp_set_stopbits(port, 1) == SP_OK
            && sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE) == SP_OK
        guard configured else {
            let why = Self.lastError()
            sp_close(port)
            sp_free_port(port)
            throw .io("cannot configure \(path) for \(baud) baud 8N1: \(why)")
        }
        sp_flush(port, SP_BUF_BOTH)
        self.port = port
        endpoint = "\(path) @ \(baud)"
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        guard let port else { throw .closed(endpoint) }
        // Long enough for a whole 80-character command at 9600 baud, with margin.
        let timeoutMs = UInt32(1000 + bytes.count * 10)
        let written = bytes.withUnsafeBytes { sp_blocking_write(port, $0.baseAddress, $0.count, timeoutMs) }
        guard written.rawValue >= 0 else { throw .io("write to \(endpoint) failed: \(Self.lastError())") }
        guard Int(written.rawValue) == bytes.count else {
            throw .io("write to \(endpoint) timed out after \(written.rawValue) of \(bytes.count) bytes")
        }
    }

    public func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        guard let port else { throw .closed(endpoint) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // A zero timeout means "block forever" to libserialport; we always want a bound.
        let ms = UInt32(clamping: max(timeout.milliseconds, 1))
        let n = buffer.withUnsafeMutableBytes { sp_blocking_read_next(port, $0.baseAddress, $0.count, ms) }
        guard n.rawValue >= 0 else {
            // A USB CDC device that was unplugged or reset reports an I/O error.
            throw .io("read from \(endpoint) failed: \(Self.lastError()) (was the board unplugged or reset?)")
        }
        return Array(buffer.prefix(Int(n.rawValue)))
    }

    public func close() {
        if let port {
            sp_close(port)
            sp_free_port(port)
            self.port = nil
        }
    }

    static func openError(_ path: String, errno code: Int32) -> TransportError {
        switch code {
        case ENOENT, ENODEV, ENXIO: .notFound(path)
        case EACCES, EPERM: .permissionDenied(path, group: FileDescriptorTransport.owningGroup(path) ?? "dialout")
        case EBUSY: .busy(path)
        default: .io("cannot open \(path): \(String(cString: strerror(code)))")
        }
    }

    static func lastError() -> String {
        guard let message = sp_last_error_message() else { return "unknown error" }
        defer { sp_free_error_message(message) }
        return String(cString: message)
    }
}

/// Opens the DUT's port: `rfc2217://HOST:PORT` or `socket://HOST:PORT` over the
/// network, a pseudo-terminal (emulated DUT, QEMU, socat) through its file
/// descriptor, anything else through libserialport.
public func openSerialPort(path: String, baud: Int) throws(TransportError) -> any Transport {
    if NetworkSerialTransport.handles(path) { return try NetworkSerialTransport(url: path, baud: baud) }
    if PseudoTerminal.isPseudoTerminal(path) {
        // A pseudo-terminal ignores the rate; keep a nominal one termios knows.
        return try FileDescriptorTransport(path: path, baud: FileDescriptorTransport.speeds[baud] == nil ? 115_200 : baud)
    }
    return try SerialPortTransport(path: path, baud: baud)
}
