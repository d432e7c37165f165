import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A transport over a POSIX file descriptor: a tty device configured raw (8N1,
/// no flow control, the requested baud) or the host side of a pseudo-terminal.
public final class FileDescriptorTransport: Transport {
    public let endpoint: String
    private let descriptor: SharedDescriptor
    /// The port was claimed exclusively (opened by path), and is released on close.
    private let claimed: Bool

    /// Opens a serial device (or a pseudo-terminal's device path) exclusively.
    public init(path: String, baud: Int = 115_200) throws(TransportError) {
        // Close-on-exec: a program this process starts (QEMU, a test's
        // tinybench) would otherwise share the claim and keep the port busy.
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            switch e {
            case ENOENT: throw .notFound(path)
            case EACCES, EPERM: throw .permissionDenied(path, group: Self.owningGroup(path) ?? "dialout")
            case EBUSY: throw .busy(path)
            default: throw .io("cannot open \(path): \(String(cString: strerror(e)))")
            }
        }
        if !Self.claimExclusively(fd) {
            Glibc.close(fd)
            throw .busy(path)
        }
        do {
            try Self.configureRaw(fd, baud: baud, path: path)
        } catch {
            Glibc.close(fd)
            throw error
        }
        descriptor = SharedDescriptor(fd)
        claimed = true
        endpoint = "\(path) @ \(baud)"
    }

    /// Wraps an already open descriptor (e.g. a pseudo-terminal master); takes ownership.
    public init(descriptor fd: Int32, endpoint: String) {
        descriptor = SharedDescriptor(fd)
        self.endpoint = endpoint
        claimed = false
    }

    deinit { close() }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        let done: Void? = try descriptor.use { fd throws(TransportError) in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR {
                        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&p, 1, 1000)
                        continue
                    }
                    throw .io("write to \(endpoint) failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        guard done != nil else { throw .closed(endpoint) }
    }

    public func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        let bytes: [UInt8]? = try descriptor.use { fd throws(TransportError) in
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(clamping: max(timeout.milliseconds, 0)))
            if ready < 0 && errno != EINTR { throw .io("waiting on \(endpoint) failed: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { return [] }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return [] }
                // A pseudo-terminal whose other side closed reports EIO.
                throw .closed(endpoint)
            }
            if n == 0 && (p.revents & Int16(POLLHUP)) != 0 { throw .closed(endpoint) }
            return Array(buffer.prefix(n))
        }
        guard let bytes else { throw .closed(endpoint) }
        return bytes
    }

    public func close() {
        // The exclusive flag belongs to the terminal, not to this descriptor: a
        // terminal someone else keeps open (a pseudo-terminal server) would
        // refuse the next client with EBUSY if it were left set.
        descriptor.close(before: claimed ? { _ = ioctl($0, UInt(TIOCNXCL)) } : nil)
    }

    static func configureRaw(_ fd: Int32, baud: Int, path: String) throws(TransportError) {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { throw .io("\(path) is not a terminal device") }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        t.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(PARENB) | tcflag_t(CRTSCTS))
        t.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        guard let speed = speeds[baud] else { throw .io("unsupported baud rate \(baud)") }
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        guard tcsetattr(fd, TCSANOW, &t) == 0 else { throw .io("cannot configure \(path): \(String(cString: strerror(errno)))") }
        tcflush(fd, TCIOFLUSH)
    }

    static let speeds: [Int: speed_t] = [
        9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
        115_200: speed_t(B115200), 230_400: speed_t(B230400), 460_800: speed_t(B460800), 921_600: speed_t(B921600),
        1_000_000: speed_t(B1000000), 2_000_000: speed_t(B2000000), 3_000_000: speed_t(B3000000), 4_000_000: speed_t(B4000000),
    ]

    /// Claims an open port: TIOCEXCL makes further opens fail with EBUSY (root
    /// is exempt from it), and an advisory lock (what pyserial's exclusive
    /// mode takes) keeps a second tinybench or pyserial off the port even then.
    static func claimExclusively(_ fd: Int32) -> Bool {
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        return ioctl(fd, UInt(TIOCEXCL)) == 0 || errno != EBUSY
    }

    static func owningGroup(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, let g = getgrgid(st.st_gid) else { return nil }
        return String(cString: g.pointee.gr_name)
    }
}
