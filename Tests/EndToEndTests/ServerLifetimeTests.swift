import Foundation
import Testing
import TestSupport

/// `tinybench emulate` and `lab` serve until interrupted, whatever becomes of
/// the process that started them (a script's function, `$(...)`, `nohup ... &`
/// from a shell that logs out); `--exit-with-parent` ties them to it.
@Suite(.serialized)
struct ServerLifetimeTests {
    /// Whether `pid` exists and is not a zombie waiting for its new parent.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// A shell starts `tinybench emulate` in the background, waits for its
    /// pseudo-terminal (as a script's `start_emulator` function would), prints
    /// the emulator's pid and pty, and exits.
    static func startThroughAShell(model: String, extra: [String] = []) throws -> (pid: pid_t, pty: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString).out").path
        defer { unlink(output) }
        let script = """
            "$0" emulate --model "$1" --benchmark kws01 --pty \(extra.joined(separator: " ")) >"$2" 2>/dev/null </dev/null &
            pid=$!
            for _ in $(seq 200); do grep -q '^pty: ' "$2" && break; sleep 0.1; done
            echo "$pid $(sed -n 's/^pty: //p' "$2")"
            """
        let r = try CLI.runTool("/bin/sh", ["-c", script, CLI.binary.path, model, output])
        let words = r.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard r.status == 0, words.count == 2, let pid = pid_t(words[0]), words[1].hasPrefix("/dev/") else {
            throw CLI.Failure("the shell printed '\(r.stdout)' (status \(r.status), \(r.stderr))")
        }
        return (pid, words[1])
    }

    /// SIGTERM, then a wait of up to 5 s for `pid` (no longer our child) to go.
    static func terminate(_ pid: pid_t) -> Bool {
        kill(pid, SIGTERM)
        for _ in 0..<50 where isRunning(pid) { usleep(100_000) }
        if isRunning(pid) { kill(pid, SIGKILL); return false }
        return true
    }

    @Test func emulateOutlivesTheShellThatStartedIt() throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let (pid, pty) = try Self.startThroughAShell(model: model)
        // The former parent watch looked every 0.5 s.
        Thread.sleep(forTimeInterval: 2)
        #expect(Self.isRunning(pid), "tinybench emulate exited with the shell that started it")
        if Self.isRunning(pid) {
            #expect(try IdleAndFeedbackTests.answers(pty, "name%", with: "m-name-dut-["))
        }
        #expect(Self.terminate(pid), "tinybench emulate did not stop on SIGTERM")
    }

    @Test func exitWithParentEndsTheEmulatorWithItsParent() throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let (pid, _) = try Self.startThroughAShell(model: model, extra: ["--exit-with-parent"])
        defer { if Self.isRunning(pid) { kill(pid, SIGKILL) } }
        var running = Self.isRunning(pid)
        for _ in 0..<50 where running {
            usleep(100_000)
            running = Self.isRunning(pid)
        }
        #expect(!running, "tinybench emulate --exit-with-parent still runs 5 s after its parent exited")
    }
}
