import Foundation

/// `tinybench dut check`: exercises a DUT the way the MLCommons Tiny runner
/// (`benchmark/runner`) and TinyBench both use it, and reports each point
/// as a ``DoctorCheck`` (pass, warning, or fail with the reason and a fix),
/// so a firmware author can check a port before a run.
///
/// The points, in order:
/// - `name%`: one line the runner's pattern takes, `m-name-dut-[<name>]`.
/// - `profile%`: `m-profile-[...]` and `m-model-[<benchmark>]` for a benchmark both tools know.
/// - `db` loads in chunks of 31 bytes (the runner on a direct link) and 26
///   (the runner through an interface board): `m-[Expecting N bytes]`,
///   `m-load-done` after the last byte, and `db print` gives back exactly what was sent.
/// - an 80-character command (the reference command buffer) is taken whole.
/// - `infer N W` with warm-ups: `m-warmup-start-W`, `m-warmup-done`,
///   `m-infer-start-N`, two `m-lap-us-<µs>`, `m-infer-done` and an
///   `m-results-[...]` line, in that order.
/// - laps: they bracket the timed inferences (twice the inferences, about twice the time).
/// - `results%`: the vector of the last inference again.
/// - no echo: no reply line repeats the command (an echoed `name%` would
///   spoil the runner's line matching).
///
/// Every reply must come within the runner's timeouts (5 s a line, 30 s for
/// `infer`). A DUT that does not answer `name%` gets no further points.
public struct ProtocolConformance {
    /// The runner's chunk sizes: 31 bytes on a direct link, 26 through an interface board.
    public static let runnerChunks = [31, 26]
    /// The reference firmware's command buffer.
    public static let commandLength = 80

    public let transport: any Transport
    /// Where the DUT is, for messages (a port path, `QEMU ...`).
    public let label: String
    /// The serial port path when the DUT is on one (a failed handshake then
    /// probes other baud rates, as `tinybench doctor` does).
    public var serialPath: String?
    public var timeouts = DUTClient.Timeouts(line: 5, infer: 30)

    public init(transport: any Transport, label: String, serialPath: String? = nil) {
        self.transport = transport
        self.label = label
        self.serialPath = serialPath
    }

    /// Runs every point, handing each to `report` as it completes; returns them all.
    public func run(report: (DoctorCheck) -> Void = { _ in }) -> [DoctorCheck] {
        var checks = [DoctorCheck]()
        func add(_ check: DoctorCheck) {
            checks.append(check)
            report(check)
        }
        let bootLines = DUTClient.bootBanner(transport)
        let client = DUTClient(transport: transport, timeouts: timeouts)
        var received = [String]()
        client.log = { line in if line.hasPrefix("< ") { received.append(String(line.dropFirst(2))) } }

        // name%
        let nameLines: [String]
        do {
            nameLines = try client.command("name")
        } catch {
            add(fail("name%", "\(error)", fix: "check the port, the baud rate, power and firmware"))
            if let serialPath, case .timeout = error {
                // The port is claimed exclusively: release it for the probe.
                transport.close()
                var probe = Doctor(needs: Doctor.Needs()).handshake(serialPath, required: true)
                probe.name = "other baud rates"
                add(probe)
            }
            add(fail("remaining points", "not run: the DUT did not answer name%"))
            return checks
        }
        if let name = Self.single(nameLines, #"^m-name-dut-\[([^\]]+)\]$"#) {
            add(pass("name%", "m-name-dut-[\(name)]"))
        } else {
            add(fail("name%", "expected one line m-name-dut-[<name>] (the runner's pattern ^m-name-dut-\\[([^]]+)]$), got \(Self.quote(nameLines))",
                     fix: "print exactly `m-name-dut-[<vendor name>]\\r\\n` then `m-ready\\r\\n`"))
        }

        // profile%
        var benchmark: Benchmark?
        do {
            let lines = try client.command("profile")
            let model = Self.single(lines, #"^m-model-\[([^\]]+)\]$"#)
            let profile = Self.single(lines, #"^m-profile-\[([^\]]+)\]$"#)
            benchmark = model.flatMap(Benchmark.named)
            if let model, let profile, benchmark != nil {
                add(pass("profile%", "m-profile-[\(profile)], m-model-[\(model)]"))
            } else {
                let known = Benchmark.all.map(\.id).joined(separator: ", ")
                add(fail("profile%", model.map { "model '\($0)' is none of \(known)" }
                         ?? "expected m-profile-[<firmware>] and m-model-[<benchmark>] lines, got \(Self.quote(lines))",
                         fix: "print `m-profile-[<firmware version>]` and `m-model-[kws01|vww01|ad01|ic01|ic02]`"))
            }
        } catch {
            add(fail("profile%", "\(error)"))
        }
        let input = Self.input(for: benchmark ?? .kws01)
        let inputNote = benchmark == nil ? " (the model is unknown: a kws01-sized input)" : ""

        // db loads in the runner's chunk sizes, read back.
        for chunk in Self.runnerChunks {
            let commands = (input.count + chunk - 1) / chunk
            let what = "db load, \(chunk)-byte chunks"
            do {
                try client.load(input, readBack: true, bytesPerCommand: chunk)
                add(pass(what, "\(input.count) bytes in \(commands) db commands\(inputNote): m-load-done, read back identical"))
            } catch {
                add(fail(what, "\(input.count) bytes in \(commands) db commands: \(error)",
                         fix: "`db load N` answers m-[Expecting N bytes]; every `db <hex>` stores its bytes; the one completing N prints m-load-done"))
            }
        }

        // An 80-character command: `db`, two spaces (strtok skips repeated delimiters) and 76 hex digits.
        let wide = (0..<38).map { UInt8(truncatingIfNeeded: 0xa0 &+ $0 &* 3) }
        let command = "db  " + wide.map { String(format: "%02x", $0) }.joined()
        do {
            _ = try client.command("db load \(wide.count)")
            let lines = try client.command(command)
            let held = try client.bufferContents()
            if lines.contains("m-load-done") && held == wide {
                add(pass("80-character command", "`db` with 38 bytes in \(command.count) characters: m-load-done, read back identical"))
            } else {
                add(fail("80-character command", "`db` with 38 bytes in \(command.count) characters: \(lines.contains("m-load-done") ? "" : "no m-load-done; ")read back \(held.count) bytes\(held == wide ? "" : ", not those sent")",
                         fix: "the command buffer must hold \(Self.commandLength) characters before the `%`"))
            }
        } catch {
            add(fail("80-character command", "\(error)", fix: "the command buffer must hold \(Self.commandLength) characters before the `%`"))
        }

        // infer with warm-ups, after the runner's load of the real input.
        var inferResults: [Double]?
        var laps: [UInt64] = []
        var energyBuild = bootLines.contains("m-timestamp-mode-energy")
        do {
            try client.load(input, bytesPerCommand: Self.runnerChunks[0])
            for n in [3, 6] {
                let before = received.count
                let reply = try client.infer(n, warmup: 1)
                let lines = Array(received[before...])
                if n == 3 {
                    inferResults = reply.results
                    let order = Self.inferOrder(lines, n: n, warmups: 1)
                    energyBuild = energyBuild || !lines.contains { $0.hasPrefix("m-lap-us-") }
                    if let missing = order {
                        add(fail("infer \(n) 1", "expected \(missing) in order; got \(Self.quote(lines))",
                                 fix: "print m-warmup-start-W, m-warmup-done, m-infer-start-N, m-lap-us-<µs>, m-infer-done, m-results-[...] in that order"))
                    } else {
                        add(pass("infer \(n) 1", "warm-up, two laps, m-infer-done and \(reply.results.count) results in order"))
                    }
                }
                if let elapsed = reply.elapsedMicroseconds { laps.append(elapsed) }
            }
        } catch {
            add(fail("infer", "\(error)", fix: "infer N W must answer within the runner's 30 s"))
        }
        if laps.count == 2 {
            let ratio = Double(laps[1]) / Double(max(laps[0], 1))
            if laps[0] > 0 && (1.8...2.2).contains(ratio) {
                add(pass("m-lap-us laps", "3 inferences took \(laps[0]) µs, 6 took \(laps[1]) µs"))
            } else {
                add(fail("m-lap-us laps", "3 inferences took \(laps[0]) µs, 6 took \(laps[1]) µs: the laps do not bracket the timed inferences (expected about twice the time)",
                         fix: "take one timestamp right before the first timed inference and one right after the last"))
            }
        } else if energyBuild && inferResults != nil {
            add(DoctorCheck("m-lap-us laps", .warning, "an energy-mode build: timestamps are GPIO edges, no m-lap-us lines to check",
                            fix: "check a performance build for the laps", required: true))
        } else if inferResults != nil {
            add(fail("m-lap-us laps", "no two well-formed m-lap-us-<µs> lines in the reply to infer"))
        }

        // results%
        if let inferResults {
            do {
                let again = try client.results()
                if again == inferResults {
                    add(pass("results%", "m-results-[...] repeats the last inference's \(again.count) values"))
                } else {
                    add(fail("results%", "gave \(again) after infer printed \(inferResults)", fix: "`results` prints the last inference's output vector"))
                }
            } catch {
                add(fail("results%", "\(error)"))
            }
        } else {
            add(fail("results%", "not run: no inference completed"))
        }

        // No echo, over every reply read.
        let words = ["name", "profile", "db", "infer", "results"]
        let echoed = received.filter { line in words.contains { line.hasPrefix($0) } }
        if echoed.isEmpty {
            add(pass("no echo", "no reply line repeats a command (\(received.count) lines read)"))
        } else {
            add(fail("no echo", "the DUT echoes commands: \(Self.quote(Array(echoed.prefix(3)))); the runner's line patterns (^m-name-dut-, ^m-results-) then miss",
                     fix: "do not echo received characters in the UART handler"))
        }
        return checks
    }

    /// Whether a DUT with these points can be run by both tools (no point failed).
    public static func passed(_ checks: [DoctorCheck]) -> Bool { !checks.contains { $0.status == .fail } }

    // MARK: - Helpers

    private func pass(_ name: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(name, .pass, detail, required: true)
    }

    private func fail(_ name: String, _ detail: String, fix: String? = nil) -> DoctorCheck {
        DoctorCheck(name, .fail, detail, fix: fix, required: true)
    }

    /// The first capture group of the one line matching `pattern`; nil when none or several match.
    static func single(_ lines: [String], _ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let captures = lines.compactMap { line -> String? in
            let range = NSRange(line.startIndex..., in: line)
            guard let m = regex.firstMatch(in: line, range: range), let r = Range(m.range(at: 1), in: line) else { return nil }
            return String(line[r])
        }
        return captures.count == 1 ? captures[0] : nil
    }

    /// The first line missing from `infer`'s expected sequence, or nil when all are there in order.
    static func inferOrder(_ lines: [String], n: Int, warmups: Int) -> String? {
        let expected: [(String, (String) -> Bool)] = [
            ("m-warmup-start-\(warmups)", { $0 == "m-warmup-start-\(warmups)" }),
            ("m-warmup-done", { $0 == "m-warmup-done" }),
            ("m-infer-start-\(n)", { $0 == "m-infer-start-\(n)" }),
            ("m-lap-us-<µs>", { $0.hasPrefix("m-lap-us-") }),
            ("m-lap-us-<µs>", { $0.hasPrefix("m-lap-us-") }),
            ("m-infer-done", { $0 == "m-infer-done" }),
            ("m-results-[...]", { $0.hasPrefix("m-results-[") && $0.hasSuffix("]") }),
        ]
        let energy = !lines.contains { $0.hasPrefix("m-lap-us-") }
        var position = lines.startIndex
        for (name, matches) in expected where !(energy && name.hasPrefix("m-lap-us")) {
            guard let found = lines[position...].firstIndex(where: matches) else { return name }
            position = found + 1
        }
        return nil
    }

    /// A deterministic input of the benchmark's size: bytes for images and
    /// MFCCs, float32 values in [-2, 2) for ad01's spectrogram windows.
    static func input(for benchmark: Benchmark) -> [UInt8] {
        if benchmark.inputEncoding.bytesPerElement == 4 {
            return (0..<benchmark.modelInputElements).flatMap { i -> [UInt8] in
                let v = Float((i * 37) % 400) / 100 - 2
                return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
            }
        }
        return (0..<benchmark.inputBytes).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    static func quote(_ lines: [String]) -> String {
        lines.isEmpty ? "nothing" : lines.map { "'\($0)'" }.joined(separator: ", ")
    }
}
