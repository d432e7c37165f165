import Foundation
import Testing
import TestSupport

/// A deliberately broken DUT: a pseudo-terminal of its own whose peer relays
/// to a working DUT (an emulator's pty) with one fault added.
final class FaultyRelay: @unchecked Sendable {
    enum Fault: String, CaseIterable, Sendable {
        /// Every command is echoed back before the DUT's reply, as an interactive terminal would.
        case echo
        /// `m-load-done` never reaches the host.
        case dropLoadDone
        /// Nothing reaches the DUT: no answer at all.
        case silent
    }

    /// The broken DUT's path, for `--port`.
    let path: String
    private let master: Int32
    private let dut: Int32
    private let fault: Fault
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    init(to dutPath: String, fault: Fault) throws {
        // Linux's /dev/ptmx: unlock the pair (TIOCSPTLCK) and ask for its number (TIOCGPTN).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw CLI.Failure("cannot create a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        path = "/dev/pts/\(number)"
        if let fd = try? CLI.openRaw(path) { close(fd) }
        dut = try CLI.openRaw(dutPath)
        self.fault = fault
        Thread.detachNewThread { [self] in
            relay()
            finished.signal()
        }
    }

    /// Stops relaying (within 0.1 s) and closes both sides.
    func stop() {
        lock.withLock { running = false }
        _ = finished.wait(timeout: .now() + 2)
        close(master)
        close(dut)
    }

    private func relay() {
        var fromHost = [UInt8](), fromDUT = [UInt8]()
        while lock.withLock({ running }) {
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0), pollfd(fd: dut, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            if fds[0].revents & Int16(POLLIN) != 0 {
                let n = read(master, &buffer, buffer.count)
                if n > 0 && fault != .silent {
                    _ = write(dut, buffer, n)
                    fromHost += buffer.prefix(n)
                    // The echo of each whole command, as the DUT starts to answer it.
                    while fault == .echo, let end = fromHost.firstIndex(of: UInt8(ascii: "%")) {
                        let command = Array(fromHost[...end])
                        fromHost.removeSubrange(...end)
                        _ = write(master, command, command.count)
                    }
                }
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let n = read(dut, &buffer, buffer.count)
                if n > 0 { fromDUT += buffer.prefix(n) }
                while let newline = fromDUT.firstIndex(of: 10) {
                    let line = Array(fromDUT[...newline])
                    fromDUT.removeSubrange(...newline)
                    if fault == .dropLoadDone && String(decoding: line, as: UTF8.self).hasPrefix("m-load-done") { continue }
                    _ = write(master, line, line.count)
                }
            }
        }
    }
}

/// `tinybench dut check`: every point passes on the emulated DUT (virtual
/// and real time); a broken DUT gets the failing point named with its reason.
/// (The QEMU firmware's run is in FirmwareQEMUTests.)
@Suite(.serialized)
struct DUTCheckCommandTests {
    static let points = ["name%", "profile%", "db load, 31-byte chunks", "db load, 26-byte chunks", "80-character command",
                         "infer 3 1", "m-lap-us laps", "results%", "no echo"]

    @Test(arguments: [("kws01", false), ("ad01", false), ("kws01", true)])
    func everyPointPassesOnTheEmulatedDUT(benchmark: String, realtime: Bool) throws {
        let model = try HarnessTests.modelPath(benchmark)
        defer { unlink(model) }
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", benchmark, "--pty", "--exit-with-parent"]
                                        + (realtime ? ["--realtime"] : []))
        defer { CLI.stop(pid) }
        let r = try CLI.run(["dut", "check", "--port", String(line.dropFirst("pty: ".count))])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        for point in Self.points {
            #expect(r.stdout.contains("ok    \(point): "), "\(point) did not pass: \(r.stdout)")
        }
        #expect(r.stdout.contains("m-model-[\(benchmark)]"))
        #expect(!r.stdout.contains("FAIL"), "\(r.stdout)")
        #expect(r.stdout.contains("all \(Self.points.count) points pass"), "\(r.stdout)")
    }

    @Test func jsonListsEveryPoint() throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        let r = try CLI.run(["dut", "check", "--port", String(line.dropFirst("pty: ".count)), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let points = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(points.compactMap { $0["name"] as? String } == Self.points)
        #expect(points.allSatisfy { $0["status"] as? String == "pass" })
    }

    @Test(arguments: FaultyRelay.Fault.allCases)
    func aBrokenDUTFailsTheRightPoint(fault: FaultyRelay.Fault) throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        let relay = try FaultyRelay(to: String(line.dropFirst("pty: ".count)), fault: fault)
        defer { relay.stop() }
        let r = try CLI.run(["dut", "check", "--port", relay.path])
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        let failed = r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.map(String.init)
        switch fault {
        case .echo:
            #expect(failed.contains { $0.hasPrefix("FAIL  no echo: the DUT echoes commands: 'name%") }, "\(r.stdout)")
            #expect(failed.contains { $0.hasPrefix("FAIL  name%: expected one line m-name-dut-[<name>]") }, "\(r.stdout)")
        case .dropLoadDone:
            #expect(failed.contains { $0.hasPrefix("FAIL  db load, 31-byte chunks: 490 bytes in 16 db commands: ") && $0.contains("m-load-done") },
                    "\(r.stdout)")
            #expect(r.stdout.contains("ok    name%: ") && r.stdout.contains("ok    no echo: "), "\(r.stdout)")
        case .silent:
            // No answer within the runner's 5 s: the other rates are probed, nothing further is run.
            #expect(failed.contains { $0.hasPrefix("FAIL  name%: no m-ready from the DUT 5.0 s after 'name'") }, "\(r.stdout)")
            #expect(failed.contains { $0.hasPrefix("FAIL  remaining points: not run") }, "\(r.stdout)")
        }
        #expect(r.stdout.contains("points FAIL"), "\(r.stdout)")
    }

    @Test(arguments: [[], ["--port", "/dev/null", "--qemu", "fw.elf"], ["--port", "/dev/null", "--baud", "0"]])
    func usageErrorsExit64(arguments: [String]) throws {
        let r = try CLI.run(["dut", "check"] + arguments)
        #expect(r.status == 64, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("Error: "), "\(r.stderr)")
    }

    @Test func helpEndsWithExamples() throws {
        let r = try CLI.run(["dut", "check", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:\n  tinybench dut check --port /dev/ttyACM0"), "\(r.stdout)")
    }
}
