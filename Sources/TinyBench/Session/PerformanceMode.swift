import Foundation

/// One performance window.
public struct PerformanceWindow: Sendable, Codable {
    public var file: String
    public var inferences: Int
    public var warmups: Int
    public var lapStart: UInt32
    public var lapEnd: UInt32
    public var seconds: Double
    public var throughput: Double
    /// The repeated measurement that confirmed `seconds` (nil when transfers are not verified).
    public var checkSeconds: Double?
}

/// results.json of a performance run.
struct PerformanceReport: Codable {
    var manifest: SessionManifest
    var settings: SessionSettings
    var windows: [PerformanceWindow]
    /// Nil when the run was interrupted before its last window.
    var medianThroughput: Double?
    var latencyMilliseconds: Double?
    var statistics: WindowStatistics?
    var compliant: Bool
    /// What the input transfers put on the link (nil in older sessions).
    var link: LinkUsage?
    /// True when a stop request ended the run early (nil in older sessions).
    var interrupted: Bool?
}

extension Session {
    /// Inferences in a calibration run: enough to average out one slow inference.
    static let calibrationInferences = 10
    /// Two measurements of the same window must agree this closely (relative).
    public static let repeatTolerance = 0.001

    /// Performance mode: one calibration, then windows of N inferences on
    /// different files, N chosen so a window lasts about `targetWindowSeconds`;
    /// the score is the median throughput.
    func performance(bootLines: [String]) throws -> ModeResult {
        let record = try openRecord(.performance)
        defer { closeRecord(record) }
        // Resuming keeps the windows that completed and measures the rest.
        var windows = Array(record.previous(PerformanceWindow.self).prefix(settings.windows))
        return try stoppable {
            try performanceWindows(&windows, record: record, bootLines: bootLines)
        } interrupted: { signal in
            var lines = windows.enumerated().map { windowLine($0, $1) }
            lines.append(interruptedLine(.performance, signal: signal, completed: windows.count, of: settings.windows, "windows"))
            try record.writeResults(lines)
            try record.writeJSON(PerformanceReport(manifest: manifest, settings: settings, windows: windows, compliant: false,
                                                   link: client.linkUsage, interrupted: true))
        }
    }

    private func windowLine(_ i: Int, _ w: PerformanceWindow) -> String {
        "\(benchmark.shortName) performance: window \(i + 1): \(w.file) \(w.inferences) inferences in \(String(format: "%.3f", w.seconds)) s, \(String(format: "%.3f", w.throughput)) inf./sec."
    }

    private func performanceWindows(_ windows: inout [PerformanceWindow], record: ModeRecord, bootLines: [String]) throws -> ModeResult {
        let identity = try begin(record, bootLines: bootLines)
        guard !identity.energyTimestamps else {
            throw SessionError.energyFirmware(identity.name)
        }
        let warmups = self.warmups
        let perInference = try calibrate()
        record.log.write("# calibration: \(String(format: "%.6f", perInference)) s per inference")
        var n = max(Int((settings.targetWindowSeconds / perInference).rounded(.up)), settings.minimumInferences ?? 10)
        for w in windows.count..<settings.windows {
            let index = w % dataset.entries.count
            let entry = dataset.entries[index]
            let input = Array(try dataset.sample(index)[benchmark.window(0)])
            progress?(w, settings.windows, "performance window \(w + 1)/\(settings.windows) (\(entry.file))")
            let window = try withRetries("performance window \(w + 1) (\(entry.file))") { () throws -> PerformanceWindow in
                try loadChecked(input)
                var m = try timedInference(n, warmup: warmups, perInference: perInference, "window \(w + 1)")
                if m.seconds < settings.minWindowSeconds {
                    n = Int(Double(n) * settings.targetWindowSeconds / m.seconds) + 1
                    m = try timedInference(n, warmup: warmups, perInference: perInference, "window \(w + 1)")
                }
                return PerformanceWindow(file: entry.file, inferences: n, warmups: warmups, lapStart: m.laps.start,
                                         lapEnd: m.laps.end, seconds: m.seconds, throughput: Double(n) / m.seconds,
                                         checkSeconds: m.check)
            }
            windows.append(window)
            try record.save(window)
            record.log.write("# window \(w + 1): \(window.inferences) inferences in \(window.seconds) s = \(window.throughput) inf./sec.")
        }
        progress?(settings.windows, settings.windows, "performance done")
        guard let stats = WindowStatistics(windows.map(\.throughput)) else { throw SessionError.badResults(dataset.directory.path, "no performance window") }
        let short = windows.filter { $0.seconds < settings.minWindowSeconds }
        let compliant = settings.compliant && short.isEmpty
        var lines = [String]()
        let name = benchmark.shortName
        // The device line says which emulation (cost model or QEMU instruction count) produced the time.
        let label = modelledLabel("timing")
        lines += windows.enumerated().map { windowLine($0, $1) }
        lines.append("\(name) performance: latency \(String(format: "%.3f", 1000 / stats.median)) ms/inf.\(label)")
        lines.append("\(name) performance: min \(String(format: "%.3f", stats.min)), max \(String(format: "%.3f", stats.max)), CV \(String(format: "%.2f", stats.coefficientOfVariation * 100)) %")
        if !compliant {
            lines.append("\(name) performance: NON-COMPLIANT run: \(settings.windows) windows, minimum window \(settings.minWindowSeconds) s" +
                         (short.isEmpty ? "" : ", \(short.count) window(s) shorter than that"))
        }
        lines.append("\(name) performance: Median throughput is \(String(format: "%.3f", stats.median)) inf./sec.\(label)")
        try record.writeResults(lines)
        try record.writeJSON(PerformanceReport(manifest: manifest, settings: settings, windows: windows,
                                               medianThroughput: stats.median, latencyMilliseconds: 1000 / stats.median,
                                               statistics: stats, compliant: compliant, link: client.linkUsage))
        var result = ModeResult(mode: .performance, folder: record.folder)
        result.throughput = stats.median
        result.latencyMilliseconds = 1000 / stats.median
        result.compliant = compliant
        return result
    }

    /// DUT seconds per inference, from a short run on the first file.
    private func calibrate() throws -> Double {
        let entry = dataset.entries[0]
        let input = Array(try dataset.sample(0)[benchmark.window(0)])
        return try withRetries("calibrating on \(entry.file)") { () throws -> Double in
            try loadChecked(input)
            let probe = try client.infer(Self.calibrationInferences, warmup: 1)
            return try checkedSeconds(probe, "calibration").seconds / Double(Self.calibrationInferences)
        }
    }

    /// `infer n warmup` with its interval checked. The protocol has no
    /// checksum, and a garbled digit in `m-lap-us` can still parse; with
    /// `verifyTransfers` every window is therefore measured twice and kept
    /// only when both agree within `repeatTolerance` (a garbled line does not
    /// repeat itself). Returns the first measurement and the check.
    private func timedInference(_ n: Int, warmup: Int, perInference: Double, _ what: String)
        throws -> (laps: (start: UInt32, end: UInt32), seconds: Double, check: Double?) {
        let expected = perInference * Double(n + warmup)
        let first = try checkedSeconds(try client.infer(n, warmup: warmup, expectedSeconds: expected), what)
        guard settings.verifyTransfers else { return (first.laps, first.seconds, nil) }
        let again = try checkedSeconds(try client.infer(n, warmup: warmup, expectedSeconds: expected), what).seconds
        guard abs(again / first.seconds - 1) <= Self.repeatTolerance else {
            throw DUTError.unexpected(command: "infer \(n) \(warmup)",
                                      "two measurements of \(what) disagree (\(first.seconds) s, \(again) s)")
        }
        return (first.laps, first.seconds, again)
    }

    /// The DUT interval of a reply, with the checks that hold for any DUT. A
    /// board cannot count more time than passed on the host (a fast timer or
    /// a garbled lap); a modelled DUT's clock is virtual and may run ahead.
    private func checkedSeconds(_ reply: InferenceReply, _ what: String) throws -> (laps: (start: UInt32, end: UInt32), seconds: Double) {
        guard let laps = reply.laps, let us = reply.elapsedMicroseconds else {
            throw DUTError.unexpected(command: "infer \(reply.inferences)", "no m-lap-us timestamps in \(what)")
        }
        guard us > 0 else { throw SessionError.zeroInterval(what) }
        let seconds = Double(us) / 1e6
        if !manifest.emulated && seconds > reply.hostSeconds * 1.02 + 0.25 {
            throw DUTError.unexpected(command: "infer \(reply.inferences)",
                                      "the DUT timed \(what) at \(seconds) s but only \(reply.hostSeconds) s passed on the host: check the DUT's timer")
        }
        return (laps, seconds)
    }
}
