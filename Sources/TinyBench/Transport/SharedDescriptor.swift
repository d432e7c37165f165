import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor that one thread may close while another reads or writes
/// it (a monitor's reader thread, a session stopping it). The number is
/// closed only when no call is using it: closed at once, a number the kernel
/// hands to the next open file or socket (another device, another test's
/// server) would be polled, read or closed in its place.
final class SharedDescriptor: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    private var users = 0
    private var closing = false
    /// Run on the descriptor just before it is closed.
    private var beforeClose: ((Int32) -> Void)?

    init(_ fd: Int32) {
        self.fd = fd
    }

    /// Runs `body` with the descriptor, or returns nil once it is closed.
    func use<T>(_ body: (Int32) throws(TransportError) -> T) throws(TransportError) -> T? {
        lock.lock()
        guard fd >= 0, !closing else {
            lock.unlock()
            return nil
        }
        users += 1
        let current = fd
        lock.unlock()
        defer { release() }
        return try body(current)
    }

    /// Closes the descriptor now, or when the calls using it return;
    /// `before` runs on it first.
    func close(before: ((Int32) -> Void)? = nil) {
        lock.lock()
        defer { lock.unlock() }
        if !closing { beforeClose = before }
        closing = true
        closeIfUnused()
    }

    var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fd < 0 || closing
    }

    private func release() {
        lock.lock()
        defer { lock.unlock() }
        users -= 1
        closeIfUnused()
    }

    private func closeIfUnused() {
        guard closing, users == 0, fd >= 0 else { return }
        beforeClose?(fd)
        Glibc.close(fd)
        fd = -1
    }
}
