import Foundation

/// `trace.txt.gz` of a mode (with `--trace`): every byte the host wrote to
/// the DUT and read from it, in order and in the pieces the transport gave,
/// one record per write or read:
///
///     12.345678 > db load 2560%
///     12.345702 < m-[Expecting 2560 bytes]\r\nm-ready\r\n
///
/// (seconds since the mode started, on log.txt's clock; `>` sent, `<`
/// received; bytes outside printable ASCII written as `\r`, `\n`, `\t` or
/// `\xNN`, a backslash as `\\`). Compressed as it is written (see
/// ``GzipFileWriter``): the 32 demo AD files' accuracy run is 124 MB of
/// text, 16 MB compressed. Safe to share between the DUTs of a sharded run.
final class WireTrace: @unchecked Sendable {
    let url: URL
    private let writer: GzipFileWriter
    private let start: ContinuousClock.Instant
    /// Where a failure to write the trace is reported (the trace itself cannot say it).
    private let log: SessionLog
    private var failed = false
    private let lock = NSLock()

    /// Creates `url` (with `append`, continues it: a resumed run adds gzip
    /// members, which readers take as one stream); times count from `start`.
    init(url: URL, start: ContinuousClock.Instant, log: SessionLog, append: Bool = false) throws {
        self.url = url
        self.start = start
        self.log = log
        writer = try GzipFileWriter(url: url, append: append)
    }

    /// One write or read; `label` (e.g. `[dut 2] `) names the DUT in a shared run.
    func record(_ direction: WireDirection, _ bytes: [UInt8], label: String = "") {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = Array((String(format: "%.6f ", seconds) + label + (direction == .sent ? "> " : "< ")).utf8)
        line.reserveCapacity(line.count + bytes.count + 16)
        Self.escape(bytes, into: &line)
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        guard !failed else { return }
        do {
            try writer.write(line)
        } catch {
            stop(error)
        }
    }

    /// Writes what is pending and closes the file: a finished mode's trace is complete.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !failed else { return }
        do {
            try writer.close()
        } catch {
            stop(error)
        }
    }

    /// A trace that cannot be written (e.g. a full disk) stops, and log.txt
    /// says so: the trace is a diagnostic and must not end the run itself.
    private func stop(_ error: Error) {
        failed = true
        try? writer.close()
        log.write("# \(url.lastPathComponent): \(error); the wire trace stops here")
    }

    /// Printable ASCII as it is, everything else as an escape.
    static func escape(_ bytes: [UInt8], into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x20...0x7e: out.append(b)
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            default: out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 0xf)]]
            }
        }
    }
}
