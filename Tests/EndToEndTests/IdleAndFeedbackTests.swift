import Foundation
import Testing
import TestSupport

/// Long runs as a user leaves them: emulators waiting for a client cost no
/// CPU, a run whose output goes to files still says how far it is, and a
/// port nobody answers on is reported retry by retry, then with a hint.
@Suite(.serialized)
struct IdleAndFeedbackTests {
    /// CPU seconds (user + system) `pid` has used so far, from /proc/<pid>/stat.
    static func cpuSeconds(_ pid: pid_t) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields count from after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
        let close = try #require(stat.lastIndex(of: ")"))
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let utime = try #require(Double(fields[14 - 3])), stime = try #require(Double(fields[15 - 3]))
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The share of one core `pid` used over the next `seconds` of wall time.
    static func cpuShare(_ pid: pid_t, seconds: Double = 3) throws -> Double {
        let start = ContinuousClock.now
        let before = try cpuSeconds(pid)
        Thread.sleep(forTimeInterval: seconds)
        let used = try cpuSeconds(pid) - before
        let elapsed = ContinuousClock.now - start
        return used / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Opens `path` raw, sends `command`, and reads (a boot banner still on
    /// the terminal comes first) until `expected` appears: whether it did within 5 s.
    static func answers(_ path: String, _ command: String, with expected: String) throws -> Bool {
        let fd = try CLI.openRaw(path, flags: O_RDWR | O_NOCTTY | O_NONBLOCK)
        defer { close(fd) }
        _ = command.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        var text = ""
        let deadline = ContinuousClock.now + .seconds(5)
        while !text.contains(expected), ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { text += String(decoding: buffer.prefix(n), as: UTF8.self) }
        }
        return text.contains(expected)
    }

    @Test func emulateWaitingForAClientUsesNoCPU() throws {
        let model = try HarnessTests.modelPath("kws01")
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        let pty = String(line.dropFirst("pty: ".count))
        Thread.sleep(forTimeInterval: 0.5)
        let waiting = try Self.cpuShare(pid)
        #expect(waiting < 0.01, "tinybench emulate --pty used \(waiting * 100) % of a core waiting for its first client")
        // It answers, and waits as quietly once the client has gone.
        #expect(try Self.answers(pty, "name%", with: "m-name-dut-["))
        let between = try Self.cpuShare(pid)
        #expect(between < 0.01, "tinybench emulate --pty used \(between * 100) % of a core after its client left")
        #expect(try Self.answers(pty, "profile%", with: "m-model-[kws01]"))
    }

    @Test func labWaitingForAClientUsesNoCPU() throws {
        let model = try HarnessTests.modelPath("kws01")
        let (pid, lines) = try CLI.start(["lab", "--model", model, "--benchmark", "kws01", "--monitor", "lpm01a", "--exit-with-parent"], lines: 3)
        defer { CLI.stop(pid) }
        let interface = String(lines[0].dropFirst("interface: ".count)), monitor = String(lines[1].dropFirst("monitor: ".count))
        Thread.sleep(forTimeInterval: 0.5)
        let waiting = try Self.cpuShare(pid)
        #expect(waiting < 0.01, "tinybench lab used \(waiting * 100) % of a core waiting for its first client")
        #expect(try Self.answers(interface, "name%", with: "tinyML Enhanced Interface Board"))
        #expect(try Self.answers(monitor, "htc\r\n", with: "ack htc"))
        let between = try Self.cpuShare(pid)
        #expect(between < 0.01, "tinybench lab used \(between * 100) % of a core after its clients left")
    }

    @Test func aRunWritingToFilesPrintsProgressLines() throws {
        let folder = try RemoteSerialTests.workFolder()
        let data = try RemoteSerialTests.kwsDataset(in: folder, samples: 40)
        // CLI.run sends standard output and error to files: no terminal.
        let r = try CLI.run(["kws", "--mode", "accuracy", "--dataset", data.path, "--model", try HarnessTests.modelPath("kws01"),
                             "--output", folder.appendingPathComponent("session").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("\r"), "a progress bar was drawn into a file")
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("kws01 accuracy: ") }
        // A line when the phase starts (after its first sample), then one per 10 %: 4, 8, ... 40 of 40.
        #expect(progress.first?.hasPrefix("kws01 accuracy: 1/40 done (2 %), ") == true, "\(r.stderr)")
        for tenth in 1...10 {
            #expect(progress.contains { $0.hasPrefix("kws01 accuracy: \(4 * tenth)/40 done (\(10 * tenth) %), ") }, "\(r.stderr)")
        }
        #expect(progress.dropLast().allSatisfy { $0.contains(" elapsed, ETA ") }, "\(progress)")
    }

    /// A new pseudo-terminal whose controlling side this test holds and never answers on; its device path.
    final class SilentTerminal {
        let path: String
        private let master: Int32

        init() throws {
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0, number: UInt32 = 0
            // TIOCSPTLCK and TIOCGPTN (what unlockpt and ptsname do).
            guard master >= 0, ioctl(master, UInt(0x4004_5431), &unlock) == 0, ioctl(master, UInt(0x8004_5430), &number) == 0 else {
                throw CLI.Failure("cannot create a pseudo-terminal")
            }
            path = "/dev/pts/\(number)"
        }

        deinit { close(master) }
    }

    @Test func aSilentPortPrintsEachRetryAndAHint() throws {
        let terminal = try SilentTerminal()
        let folder = try RemoteSerialTests.workFolder()
        let r = try CLI.run(["kws", "--port", terminal.path, "--mode", "performance", "--line-timeout", "1",
                             "--dataset", try RemoteSerialTests.kwsDataset(in: folder, samples: 5).path,
                             "--output", folder.appendingPathComponent("session").path])
        #expect(r.status == 1)
        let retries = r.stderr.split(separator: "\n").filter { $0.hasPrefix("kws01: ") }.map(String.init)
        #expect(retries == (1...3).map { "kws01: no answer to name% on \(terminal.path) at 115200 baud within 1.0 s (attempt \($0) of 3)" },
                "\(r.stderr)")
        let error = try #require(r.stderr.split(separator: "\n").last { $0.hasPrefix("error: ") })
        #expect(error.contains("stopped while identifying the DUT: no answer to name% on \(terminal.path)"), "\(error)")
        #expect(error.contains("Check the baud rate") && error.contains("9600") && error.contains("no other program"), "\(error)")
    }
}
