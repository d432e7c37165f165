import Foundation
import Testing
import TestSupport

/// A client of a DUT's pseudo-terminal that notes when each line arrived.
final class TimedLineClient {
    private let fd: Int32
    private var pending = [UInt8]()

    init(_ path: String) throws {
        fd = try CLI.openRaw(path, flags: O_RDWR | O_NOCTTY | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Sends `command` and returns the reply's lines up to `m-ready`, each
    /// with the wall-clock instant it arrived; throws after `timeout` seconds.
    func send(_ command: String, timeout: Double = 10) throws -> (sent: ContinuousClock.Instant, lines: [(text: String, at: ContinuousClock.Instant)]) {
        let bytes = Array(command.utf8)
        let sent = ContinuousClock.now
        guard write(fd, bytes, bytes.count) == bytes.count else { throw CLI.Failure("cannot write '\(command)'") }
        var lines = [(text: String, at: ContinuousClock.Instant)]()
        let deadline = sent + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 20) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { continue }
            let now = ContinuousClock.now
            pending += buffer.prefix(n)
            while let newline = pending.firstIndex(of: 10) {
                let text = String(decoding: pending[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                pending.removeSubrange(...newline)
                if text == "m-ready" { return (sent, lines) }
                if !text.isEmpty { lines.append((text, now)) }
            }
        }
        throw CLI.Failure("no m-ready within \(timeout) s after '\(command)' (got \(lines.map(\.text)))")
    }

    /// Reads and drops whatever the DUT has printed so far (its boot banner).
    func drain() {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while poll(&p, 1, 100) > 0, read(fd, &buffer, buffer.count) > 0 {}
    }

    /// The `m-lap-us-<µs>` values among `lines`, with their arrival.
    static func laps(_ lines: [(text: String, at: ContinuousClock.Instant)]) -> [(us: UInt32, at: ContinuousClock.Instant)] {
        lines.compactMap { line in
            guard line.text.hasPrefix("m-lap-us-"), let us = UInt32(line.text.dropFirst("m-lap-us-".count)) else { return nil }
            return (us, line.at)
        }
    }
}

/// `tinybench emulate --realtime`: the emulated DUT paced to the wall clock,
/// so tools that time a run by the wall clock (the MLCommons runner's 10 s
/// check) see the modelled board's durations. Timings here are wall-clock
/// measurements of the emulator's pacing; the latency itself is the cost
/// model's (emulated).
@Suite(.serialized)
struct RealTimeEmulatorTests {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The modelled latency of one kws01 inference, from the virtual-time emulator's laps (µs).
    static func modelledMicroseconds(model: String) throws -> Double {
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        let client = try TimedLineClient(String(line.dropFirst("pty: ".count)))
        client.drain()
        let laps = TimedLineClient.laps(try client.send("infer 100 0%").lines)
        try #require(laps.count == 2)
        return Double(laps[1].us &- laps[0].us) / 100
    }

    @Test func inferTakesTheModelledTimeOfWallClockAndTheLapsAgree() throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let latency = try Self.modelledMicroseconds(model: model)
        try #require(latency > 1000, "a kws01 inference is modelled at \(latency) µs: too short to time")
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--realtime", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        #expect(line.hasPrefix("pty: /dev/"))
        let client = try TimedLineClient(String(line.dropFirst("pty: ".count)))
        client.drain()
        let expected = 20 * latency / 1e6
        let cpuBefore = try IdleAndFeedbackTests.cpuSeconds(pid)
        let (sent, lines) = try client.send("infer 20 1%")
        let cpu = try IdleAndFeedbackTests.cpuSeconds(pid) - cpuBefore
        let laps = TimedLineClient.laps(lines)
        try #require(laps.count == 2, "\(lines.map(\.text))")
        let lapSeconds = Double(laps[1].us &- laps[0].us) / 1e6
        let wallSeconds = Self.seconds(laps[1].at - laps[0].at)
        // The laps bracket the 20 timed inferences: modelled time, and as much wall time.
        #expect(abs(lapSeconds - expected) < 5e-6, "laps \(lapSeconds) s, modelled \(expected) s")
        #expect(abs(wallSeconds - expected) / expected < 0.03, "the laps arrived \(wallSeconds) s apart; modelled \(expected) s")
        #expect(abs(wallSeconds - lapSeconds) / lapSeconds < 0.03, "wall \(wallSeconds) s against laps \(lapSeconds) s")
        // The whole command: the warm-up too, so 21 inferences.
        let total = Self.seconds(lines.last!.at - sent)
        #expect(total >= 21 * latency / 1e6 * 0.97 && total < 21 * latency / 1e6 * 1.1,
                "infer 20 1 took \(total) s of wall time; 21 inferences are modelled at \(21 * latency / 1e6) s")
        // The host sleeps while the modelled board computes.
        #expect(cpu < 0.1 * total, "the emulator used \(cpu) s of CPU in \(total) s of pacing")
    }

    @Test func theCounterRunsWhileTheDUTWaits() throws {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        for realtime in [true, false] {
            let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"]
                                            + (realtime ? ["--realtime"] : []))
            defer { CLI.stop(pid) }
            let client = try TimedLineClient(String(line.dropFirst("pty: ".count)))
            client.drain()
            let first = TimedLineClient.laps(try client.send("timestamp%").lines)
            Thread.sleep(forTimeInterval: 0.5)
            let second = TimedLineClient.laps(try client.send("timestamp%").lines)
            try #require(first.count == 1 && second.count == 1)
            let lapSeconds = Double(second[0].us &- first[0].us) / 1e6
            let wallSeconds = Self.seconds(second[0].at - first[0].at)
            if realtime {
                #expect(abs(lapSeconds - wallSeconds) < 0.015, "--realtime: 0.5 s idle, the laps differ by \(lapSeconds) s, wall \(wallSeconds) s")
            } else {
                // Virtual time: only the link's bytes moved the clock.
                #expect(lapSeconds < 0.01, "virtual time: the laps differ by \(lapSeconds) s after 0.5 s idle")
            }
        }
    }
}
