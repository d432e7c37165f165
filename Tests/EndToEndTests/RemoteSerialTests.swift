import Foundation
import Testing
import TestSupport

/// `tinybench --port rfc2217://…` against the emulated DUT on a pseudo-terminal
/// served by ser2net, as a lab would serve a board.
@Suite(.serialized)
struct RemoteSerialTests {
    static let ser2net: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (path + ["/usr/sbin", "/sbin", "/usr/local/sbin"]).map { $0 + "/ser2net" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let skip = Comment(rawValue: "ser2net is not installed (apt-get install ser2net, or `make deps`)")

    /// Same dataset, same model, a fresh emulated DUT each time (its lap counter
    /// starts at zero): through RFC 2217 every figure is what the
    /// pseudo-terminal gives.
    @Test(.enabled(if: ser2net != nil, skip))
    func kwsThroughRFC2217MatchesThePseudoTerminal() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let dataset = try Self.kwsDataset(in: work, samples: 6)
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let arguments = ["kws", "--dataset", dataset.path, "--min-window-seconds", "1"]

        let direct = work.appendingPathComponent("direct")
        do {
            let dut = try EmulatedDUT(model: model)
            defer { dut.stop() }
            let r = try CLI.run(arguments + ["--port", dut.pty, "--output", direct.path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let remote = work.appendingPathComponent("remote")
        let url: String
        do {
            let dut = try EmulatedDUT(model: model)
            defer { dut.stop() }
            let server = try Ser2net(serving: dut.pty, in: work)
            defer { server.stop() }
            url = server.url
            let r = try CLI.run(arguments + ["--port", url, "--output", remote.path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for file in ["accuracy/samples.jsonl", "performance/samples.jsonl", "accuracy/results.txt"] {
            let a = try String(contentsOf: direct.appendingPathComponent("kws/" + file), encoding: .utf8)
            let b = try String(contentsOf: remote.appendingPathComponent("kws/" + file), encoding: .utf8)
            #expect(a == b, "\(file) differs")
            #expect(!a.isEmpty)
        }
        #expect(try Self.lines(remote.appendingPathComponent("kws/accuracy/samples.jsonl")).count == 6)
        #expect(try Self.lines(remote.appendingPathComponent("kws/performance/samples.jsonl")).count == 5)
        let log = try String(contentsOf: remote.appendingPathComponent("kws/performance/log.txt"), encoding: .utf8)
        #expect(log.contains("# port: \(url) @ 115200"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: remote.appendingPathComponent("kws/accuracy/results.json"))) as? [String: Any]
        #expect(((manifest?["manifest"] as? [String: Any])?["port"] as? String) == url)
    }

    /// `--baud 9600` through RFC 2217: ser2net acknowledges it (the log shows the
    /// acknowledged rate) and really sets the pseudo-terminal to 9600 while connected.
    @Test(.enabled(if: ser2net != nil, skip))
    func baudRateIsNegotiated() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let dataset = try Self.kwsDataset(in: work, samples: 4)
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let dut = try EmulatedDUT(model: model)
        defer { dut.stop() }
        let server = try Ser2net(serving: dut.pty, in: work)
        defer { server.stop() }

        // Watch the line's output speed while the run goes on (only look: reading would steal bytes).
        let terminal = open(dut.pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        defer { if terminal >= 0 { close(terminal) } }
        let watcher = terminal >= 0 ? SpeedWatcher(terminal) : nil
        defer { _ = watcher?.stop() }
        let output = work.appendingPathComponent("session")
        let r = try CLI.run(["kws", "--port", server.url, "--baud", "9600", "--mode", "accuracy",
                             "--dataset", dataset.path, "--output", output.path])
        let seen = watcher?.stop()
        #expect(r.status == 0, "\(r.stderr)")
        let log = try String(contentsOf: output.appendingPathComponent("kws/accuracy/log.txt"), encoding: .utf8)
        #expect(log.contains("# port: \(server.url) @ 9600"))
        #expect(try Self.lines(output.appendingPathComponent("kws/accuracy/samples.jsonl")).count == 4)
        if let seen {
            #expect(seen.first != speed_t(B9600), "the line was at 9600 before anyone asked")
            #expect(seen.contains(speed_t(B9600)), "the pseudo-terminal never ran at 9600 (saw \(seen))")
        }
    }

    /// ser2net killed during an accuracy run: tinybench stops soon with an
    /// error naming the remote port, and the samples it completed are kept.
    @Test(.enabled(if: ser2net != nil, skip))
    func losingTheServerStopsTheRunAndKeepsTheSamples() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let dataset = try Self.kwsDataset(in: work, samples: 200)
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let dut = try EmulatedDUT(model: model)
        defer { dut.stop() }
        let server = try Ser2net(serving: dut.pty, in: work)
        defer { server.stop() }

        let output = work.appendingPathComponent("session")
        let samples = output.appendingPathComponent("kws/accuracy/samples.jsonl")
        let outcome = Outcome()
        // `timeout` bounds the run even if tinybench were to hang after losing its port.
        let arguments = ["--kill-after=5", "120", CLI.binary.path, "kws", "--port", server.url, "--mode", "accuracy",
                         "--dataset", dataset.path, "--output", output.path]
        Thread {
            outcome.set(Result(catching: { try CLI.runTool("timeout", arguments) }))
        }.start()

        var completed = 0
        let deadline = Date().addingTimeInterval(60)
        while completed < 3 && Date() < deadline && outcome.get(waiting: 0) == nil {
            usleep(20_000)
            completed = (try? Self.lines(samples).count) ?? 0
        }
        let early = outcome.get(waiting: 0).flatMap { try? $0.get() }
        try #require(completed >= 3, "the run did not complete 3 samples within 60 s \(early.map { "(it ended: \($0.stderr))" } ?? "")")
        server.stop()
        let killed = Date()
        let result = try #require(outcome.get(waiting: 30), "tinybench had not ended 30 s after ser2net was killed")
        let run = try result.get()
        #expect(Date().timeIntervalSince(killed) < 10, "tinybench took more than 10 s to notice")
        #expect(run.status != 0 && run.status != 124 && run.status < 128, "status \(run.status)")
        #expect(run.stderr.contains("the connection to \(server.url) was closed"), "\(run.stderr)")
        let kept = try Self.lines(samples)
        #expect(kept.count >= completed && kept.count < 200)
        for line in kept {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["file"] is String && object?["predicted"] is Int, "\(line)")
        }

        // The lab machine is back (on another port): `resume` finishes the run from the kept samples.
        let again = try Ser2net(serving: dut.pty, in: work)
        defer { again.stop() }
        let resumed = try CLI.run(["resume", output.path, "--port", again.url])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.lines(samples).count == 200)
        let text = try String(contentsOf: output.appendingPathComponent("kws/accuracy/results.txt"), encoding: .utf8)
        #expect(text.contains("Top 1% ="), "\(text)")
        let log = try String(contentsOf: output.appendingPathComponent("kws/accuracy/log.txt"), encoding: .utf8)
        #expect(log.contains("# resumed: \(kept.count) record(s)"))
    }

    // MARK: - Helpers

    /// `tinybench emulate --pty` of the kws01 model; `stop()` ends it.
    struct EmulatedDUT {
        let pid: pid_t
        let pty: String

        init(model: String) throws {
            let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
            guard line.hasPrefix("pty: /dev/") else {
                CLI.stop(pid)
                throw CLI.Failure("the emulator printed '\(line)', not its pseudo-terminal")
            }
            self.pid = pid
            pty = String(line.dropFirst(5))
        }

        func stop() { CLI.stop(pid) }
    }

    /// ser2net serving `device` as RFC 2217 on a free port of 127.0.0.1, started
    /// in the foreground and waited for (at most 10 s) until it listens.
    final class Ser2net {
        let url: String
        private var pid: pid_t?

        init(serving device: String, in folder: URL) throws {
            let port = try Self.freePort()
            let config = folder.appendingPathComponent("ser2net-\(port).yaml")
            try Data("""
                connection: &dut
                  accepter: telnet(rfc2217),tcp,127.0.0.1,\(port)
                  connector: serialdev,\(device),115200n81,local

                """.utf8).write(to: config)
            let log = folder.appendingPathComponent("ser2net-\(port).log")
            // sh prints a line for CLI.start to wait for, then becomes ser2net (same pid to stop);
            // ser2net's output goes to a file, since the pipe CLI.start reads closes once it returns.
            let (pid, _) = try CLI.start(["-c", "echo starting; exec \"$0\" -n -d -c \"$1\" >\"$2\" 2>&1",
                                          RemoteSerialTests.ser2net!, config.path, log.path],
                                         lines: 1, executable: "/bin/sh")
            self.pid = pid
            url = "rfc2217://127.0.0.1:\(port)"
            let deadline = Date().addingTimeInterval(10)
            while !Self.isListening(port) {
                guard Date() < deadline, waitpid(pid, nil, WNOHANG) == 0 else {
                    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                    stop()
                    throw CLI.Failure("ser2net did not listen on 127.0.0.1:\(port) within 10 s: \(output)")
                }
                usleep(20_000)
            }
        }

        /// Ends ser2net (SIGTERM, then SIGKILL); idempotent.
        func stop() {
            if let pid { CLI.stop(pid) }
            pid = nil
        }

        /// A port nothing listens on: bound to port 0, read back, released.
        static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw CLI.Failure("cannot bind 127.0.0.1:0") }
            return UInt16(bigEndian: address.sin_port)
        }

        /// Whether a socket listens on 127.0.0.1:`port` (/proc/net/tcp). Looked up
        /// rather than connected to, since ser2net opens the device for every client.
        static func isListening(_ port: UInt16) -> Bool {
            guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
            let local = String(format: "0100007F:%04X", port)
            return table.split(separator: "\n").contains { row in
                let fields = row.split(separator: " ")
                return fields.count > 3 && fields[1] == local && fields[3] == "0A"  // 0A: LISTEN
            }
        }
    }

    static func workFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `<folder>/data/kws01` with `samples` files cycling through 8 model inputs.
    static func kwsDataset(in folder: URL, samples: Int) throws -> URL {
        let root = folder.appendingPathComponent("data")
        let dir = root.appendingPathComponent("kws01")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let inputs = try (0..<8).map { try HarnessData.modelInput("kws01", $0) }
        var rows = [String]()
        for i in 0..<samples {
            try Data(inputs[i % inputs.count]).write(to: dir.appendingPathComponent("s\(i).bin"))
            rows.append("s\(i).bin,12,\(i % 12)")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        return root
    }

    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func outputSpeed(_ fd: Int32) -> speed_t {
        var t = termios()
        return tcgetattr(fd, &t) == 0 ? cfgetospeed(&t) : 0
    }

    /// Polls a terminal's output speed on its own thread until stopped; the
    /// speeds in the order first seen (the first before anything ran).
    final class SpeedWatcher: @unchecked Sendable {
        private let lock = NSLock()
        private let ended = DispatchSemaphore(value: 0)
        private var seen: [speed_t] = []
        private var running = true

        init(_ fd: Int32) {
            record(RemoteSerialTests.outputSpeed(fd))
            Thread { [self] in
                defer { ended.signal() }
                while isRunning {
                    record(RemoteSerialTests.outputSpeed(fd))
                    usleep(2000)
                }
            }.start()
        }

        /// Stops the thread (waiting for it, so the descriptor may be closed next).
        func stop() -> [speed_t] {
            lock.lock()
            let wasRunning = running
            running = false
            lock.unlock()
            if wasRunning { _ = ended.wait(timeout: .now() + 5) }
            lock.lock()
            defer { lock.unlock() }
            return seen
        }

        private var isRunning: Bool {
            lock.lock()
            defer { lock.unlock() }
            return running
        }

        private func record(_ speed: speed_t) {
            lock.lock()
            if !seen.contains(speed) { seen.append(speed) }
            lock.unlock()
        }
    }

    /// The result of a run on another thread, waited for with a bound.
    final class Outcome: @unchecked Sendable {
        private let ready = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var result: Result<CLI.Result, any Error>?
        func set(_ r: Result<CLI.Result, any Error>) {
            lock.lock()
            result = r
            lock.unlock()
            ready.signal()
        }
        /// The result, once there, waiting at most `seconds` for it.
        func get(waiting seconds: Double) -> Result<CLI.Result, any Error>? {
            lock.lock()
            if let result {
                lock.unlock()
                return result
            }
            lock.unlock()
            guard ready.wait(timeout: .now() + seconds) == .success else { return nil }
            lock.lock()
            defer { lock.unlock() }
            return result
        }
    }
}
