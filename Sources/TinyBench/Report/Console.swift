import Foundation

/// Writes to standard output or error that never stops the program: a closed
/// stream or a reader that went away (`tinybench ... | head -1`) loses the
/// text, where `FileHandle.write` would trap.
public enum Console {
    /// Writes `text` to descriptor `fd` at once (unbuffered), ignoring failures.
    public static func write(_ text: String, to fd: Int32 = STDOUT_FILENO) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// ``write(_:to:)`` to standard error.
    public static func error(_ text: String) { write(text, to: STDERR_FILENO) }
}

/// `write(2)`, out of reach of ``Console/write(_:to:)`` inside the enum.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
