import CProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A DUT firmware running under QEMU, reached through a pseudo-terminal this
/// process creates: QEMU gets the device side as its standard input and
/// output (`-chardev stdio,signal=off`), so nothing the firmware prints is
/// lost before we listen, and QEMU is killed if this process dies. Time runs
/// by instruction count (`-icount shift=0,sleep=off`: one instruction is one
/// nanosecond of virtual time), so its timings are deterministic and are
/// instruction counts, not a board's time. QEMU's own messages go to a file
/// that is unlinked as soon as QEMU has it open, so none is left behind
/// however this process ends; errors quote what QEMU said.
public final class QEMUDevice: Transport {
    /// What results record about the machine: its time is an instruction count, not a board's.
    public static let deviceDescription = DeviceDescription(
        summary: "QEMU mps2-an386 (Cortex-M4F), instruction-count time (1 instruction = 1 ns), not board time",
        timing: .instructionCount, board: "QEMU mps2-an386 (emulated Cortex-M4 board; no board's timing)",
        processor: "Cortex-M4F (emulated by QEMU)", framework: "TinyBench firmware runtime (TFLM reference arithmetic)")

    public let endpoint: String
    public let pid: pid_t
    /// The wire between this process and the firmware.
    public let link: Link

    /// How a firmware talks to the host under QEMU.
    public enum Link: String, Sendable {
        /// The board's UART (CMSDK UART0): what a board has, one byte per
        /// trip through QEMU's main loop (about 10-20 KB/s host to guest).
        case uart
        /// Semihosting reads and writes of ":tt", QEMU's standard input and
        /// output (firmware built with `make LINK=semihosting`): whole
        /// buffers per call, the same protocol.
        case semihosting
    }

    /// The marker a `LINK=semihosting` firmware carries in its image.
    static let semihostingMarker = Array("tinybench-link=semihosting".utf8)

    /// The link a firmware image was built for: semihosting when it carries the marker.
    public static func link(of image: [UInt8]) -> Link {
        image.firstRange(of: semihostingMarker) == nil ? .uart : .semihosting
    }
    private let pty: PseudoTerminal
    /// QEMU's standard error, read through this descriptor (its file is already unlinked).
    private let log: Int32
    /// Bytes read during the start-up handshake, handed out by the first reads (the boot banner).
    private var replay = [UInt8]()
    private var stopped = false

    /// Starts `qemu` on `firmware` and waits (at most `startupSeconds`) until
    /// the firmware answers `name%`.
    public init(firmware: String, qemu: String = "qemu-system-arm", machine: String = "mps2-an386", cpu: String = "cortex-m4",
                startupSeconds: Double = 20) throws(TransportError) {
        guard FileManager.default.isReadableFile(atPath: firmware), let image = FileManager.default.contents(atPath: firmware) else {
            throw .notFound(firmware)
        }
        link = Self.link(of: [UInt8](image))
        pty = try PseudoTerminal()
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-qemu-\(getpid())-\(UUID().uuidString).log").path
        // Semihosting's ":tt" reads and writes QEMU's standard input and
        // output directly: no chardev may read them as well.
        let wire = switch link {
        case .uart: ["-chardev", "stdio,id=uart0,signal=off", "-serial", "chardev:uart0"]
        case .semihosting: ["-serial", "null"]
        }
        let arguments = [qemu, "-M", machine, "-cpu", cpu, "-kernel", firmware, "-display", "none", "-monitor", "none",
                         "-icount", "shift=0,sleep=off", "-semihosting-config", "enable=on,target=native"] + wire
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let child = tb_spawn_on_tty(argv, pty.path, logPath)
        // QEMU has the file open once the spawn returns (or the child failed before exec).
        log = open(logPath, O_RDONLY | O_CLOEXEC)
        unlink(logPath)
        guard child > 0 else {
            if log >= 0 { closeDescriptor(log) }
            throw .io("cannot start \(qemu): \(String(cString: strerror(-child)))\(child == -ENOENT ? " (install qemu-system-arm)" : "")")
        }
        pid = child
        endpoint = "QEMU \(machine) running \(URL(fileURLWithPath: firmware).lastPathComponent)"
            + (link == .semihosting ? " (semihosting link)" : "")
        do {
            try handshake(seconds: startupSeconds)
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
        if log >= 0 { closeDescriptor(log) }
    }

    /// Repeats `name%` until the firmware answers; the boot banner read on the
    /// way is replayed to the first reads, the answers are drained.
    private func handshake(seconds: Double) throws(TransportError) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var seen = [UInt8]()
        func stoppedEarly(_ error: TransportError) -> TransportError {
            // QEMU exiting closes the terminal; its exit status says why.
            usleep(100_000)
            return exitReason().map { .io("QEMU stopped before the firmware answered: \($0)") } ?? error
        }
        while ContinuousClock.now < deadline {
            if let reason = exitReason() { throw .io("QEMU stopped before the firmware answered: \(reason)") }
            do {
                try pty.host.write(Array("name%".utf8))
            } catch {
                throw stoppedEarly(error)
            }
            let until = ContinuousClock.now + .milliseconds(300)
            while ContinuousClock.now < until {
                do {
                    seen += try pty.host.read(timeout: .milliseconds(50))
                } catch {
                    throw stoppedEarly(error)
                }
                if let answer = seen.firstRange(of: Array("m-name-".utf8)) {
                    // Drain the answers to any repeated name%, keep the boot banner before the first.
                    while !(try pty.host.read(timeout: .milliseconds(300))).isEmpty {}
                    replay = Array(seen[..<answer.lowerBound])
                    return
                }
            }
        }
        throw .io("the firmware did not answer name% within \(Int(seconds)) s under QEMU (QEMU said: \(logTail()))")
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        if let reason = exitReason() { throw .io("QEMU stopped: \(reason)") }
        do {
            try pty.host.write(bytes)
        } catch {
            throw exitReason().map { .io("QEMU stopped: \($0)") } ?? error
        }
    }

    public func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        if !replay.isEmpty {
            defer { replay.removeAll() }
            return replay
        }
        let bytes: [UInt8]
        do {
            bytes = try pty.host.read(timeout: timeout)
        } catch {
            usleep(100_000)
            throw exitReason().map { .io("QEMU stopped: \($0)") } ?? error
        }
        if bytes.isEmpty, let reason = exitReason() { throw .io("QEMU stopped: \(reason)") }
        return bytes
    }

    public func close() { stop() }

    /// SIGTERM, then SIGKILL if QEMU is still there after two seconds. A
    /// semihosting firmware waits inside a read of QEMU's standard input,
    /// where QEMU cannot act on a signal: closing our end first ends that
    /// read, and the firmware stops QEMU itself.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if link == .semihosting { pty.host.close() }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<40 {
            if waitpid(pid, &status, WNOHANG) == pid { pty.host.close(); return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pty.host.close()
    }

    /// Why QEMU has exited, or nil while it runs (a firmware fault exits through semihosting with status 3).
    private func exitReason() -> String? {
        guard !stopped else { return "stopped" }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        stopped = true
        let code = (status & 0x7f) == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        return "\(code)\((status >> 8) & 0xff == 3 ? " (the firmware faulted)" : ""); QEMU said: \(logTail())"
    }

    /// QEMU's first messages (e.g. "qemu: fatal: Lockup ..."), at most three lines.
    private func logTail() -> String {
        guard log >= 0 else { return "nothing (its output could not be read)" }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = pread(log, &bytes, bytes.count, 0)
        let lines = String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self).split(separator: "\n").prefix(3)
        return lines.isEmpty ? "nothing" : lines.map { String($0.prefix(200)) }.joined(separator: " / ")
    }
}

/// `close(2)`, out of reach of the transport's own `close()` inside the class.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
