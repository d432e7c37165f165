import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A new pseudo-terminal pair: the device path a client opens like a serial
/// port, and the controlling side an emulated device serves.
public final class PseudoTerminal {
    // Linux ioctl numbers (asm-generic encoding, same on x86-64 and arm64);
    // Swift does not import the _IOR/_IOW macros that define them.
    private static let getNumber: UInt = 0x8004_5430   // TIOCGPTN
    private static let setLock: UInt = 0x4004_5431     // TIOCSPTLCK

    /// Path of the device side, e.g. `/dev/pts/7`.
    public let path: String
    /// The controlling side as a transport.
    public let host: FileDescriptorTransport

    public init() throws(TransportError) {
        // Linux's /dev/ptmx: unlock the pair and ask for its number (what
        // posix_openpt, unlockpt and ptsname do; Glibc's module lacks them).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
            let reason = String(cString: strerror(errno))
            if master >= 0 { Glibc.close(master) }
            throw .io("cannot create a pseudo-terminal: \(reason)")
        }
        path = "/dev/pts/\(number)"
        // Raw mode on the device side so no byte is translated or echoed.
        let slave = open(path, O_RDWR | O_NOCTTY)
        if slave >= 0 {
            var t = termios()
            tcgetattr(slave, &t)
            cfmakeraw(&t)
            tcsetattr(slave, TCSANOW, &t)
            Glibc.close(slave)
        }
        host = FileDescriptorTransport(descriptor: master, endpoint: "pty host \(path)")
    }

    /// Whether `path` (after symbolic links, as socat makes them) is the
    /// device side of a Unix 98 pseudo-terminal (character majors 136–143).
    public static func isPseudoTerminal(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR else { return false }
        let dev = UInt64(st.st_rdev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
        return (136...143).contains(major)
    }
}
