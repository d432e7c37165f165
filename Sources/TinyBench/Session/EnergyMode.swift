import Foundation

/// One energy window: the file, the inference count and what its trace shows.
public struct EnergyWindow: Sendable, Codable {
    public var file: String
    public var inferences: Int
    public var warmups: Int
    public var analysis: EnergyWindowAnalysis
    /// Raw trace files in the mode's folder (float32 samples, JSON events, SVG plot).
    public var traceFiles: [String]
}

struct EnergyReport: Codable {
    var manifest: SessionManifest
    var settings: SessionSettings
    var windows: [EnergyWindow]
    var medianMicrojoulesPerInference: Double?
    var medianPowerWatts: Double?
    var valid: Bool
    var problems: [String]
    /// What the input transfers put on the link (nil in older sessions).
    var link: LinkUsage?
    /// True when a stop request ended the run early (nil in older sessions).
    var interrupted: Bool?
}

/// What a saved trace's JSON holds beside the raw samples.
struct TraceRecord: Codable {
    var samplesFile: String
    var sampleFormat = "float32 little-endian, joules per sample period"
    var samplePeriodSeconds: Double
    var sampleCount: Int
    var events: [TimestampEvent]
    var gaps: [SampleGap]
    var warnings: [String]
    var analysis: EnergyWindowAnalysis
}

extension Session {
    /// Energy mode by the MLPerf Tiny rules: the monitor powers the DUT, the
    /// DUT is reached through the interface board, N is chosen so a window
    /// lasts about `targetWindowSeconds`, and each of the windows is its own
    /// acquisition: energy between the two timestamp edges that bracket the
    /// timed inferences, divided by N. The score is the median µJ/inference;
    /// any window the trace cannot vouch for makes the run invalid, and
    /// results.txt says why.
    public func energy(bootLines: [String]) throws -> ModeResult {
        guard let monitor else { throw SessionError.noMonitor }
        let record = try openRecord(.energy)
        let log = record.log
        defer { closeRecord(record) }
        manifest.monitor = monitor.identity
        manifest.monitorSettings = monitor.settings
        log.write("# monitor: \(monitor.identity.model) \(monitor.identity.firmware), \(monitor.settings.voltage) V, \(monitor.settings.sampleRateHz) Hz, \(monitor.settings.edge) edge")
        // Resuming keeps the windows that completed (their traces are on disk) and measures the rest.
        var windows = Array(record.previous(EnergyWindow.self).prefix(settings.windows))
        return try stoppable {
            try energyWindows(&windows, monitor: monitor, record: record, bootLines: bootLines)
        } interrupted: { signal in
            try record.writeResults([interruptedLine(.energy, signal: signal, completed: windows.count, of: settings.windows, "windows")])
            try record.writeJSON(EnergyReport(manifest: manifest, settings: settings, windows: windows, valid: false,
                                              problems: ["interrupted by \(Interruption.name(signal))"], link: client.linkUsage, interrupted: true))
        }
    }

    private func energyWindows(_ windows: inout [EnergyWindow], monitor: any EnergyMonitor, record: ModeRecord,
                               bootLines: [String]) throws -> ModeResult {
        let log = record.log
        _ = try begin(record, bootLines: bootLines)
        let warmups = self.warmups

        progress?(0, settings.windows, "energy calibration")
        let calibration = try withRetries("calibrating energy mode") { () throws -> EnergyWindowAnalysis in
            try loadChecked(Array(try dataset.sample(0)[benchmark.window(0)]))
            return try acquire(monitor, Self.calibrationInferences, warmup: 1, expectedSeconds: 0, log: log).1
        }
        guard let calibrationSeconds = calibration.seconds else {
            throw SessionError.noTimestamps(calibration.problems.joined(separator: "; "))
        }
        let perInference = calibrationSeconds / Double(Self.calibrationInferences)
        let n = max(Int((settings.targetWindowSeconds / perInference).rounded(.up)), settings.minimumInferences ?? 1)
        log.write("# calibration: \(String(format: "%.6f", perInference)) s per inference; \(n) inferences per window")

        for w in windows.count..<settings.windows {
            let index = w % dataset.entries.count
            let entry = dataset.entries[index]
            let input = Array(try dataset.sample(index)[benchmark.window(0)])
            progress?(w, settings.windows, "energy window \(w + 1)/\(settings.windows) (\(entry.file))")
            let (trace, analysis) = try withRetries("energy window \(w + 1) (\(entry.file))") { () throws -> (EnergyTrace, EnergyWindowAnalysis) in
                try loadChecked(input)
                return try acquire(monitor, n, warmup: warmups, expectedSeconds: perInference * Double(n + warmups), log: log)
            }
            let files = try saveTrace(trace, analysis: analysis, name: "window-\(w + 1)", in: record)
            let window = EnergyWindow(file: entry.file, inferences: n, warmups: warmups, analysis: analysis, traceFiles: files)
            try record.save(window)
            log.write("# window \(w + 1): " + (analysis.valid ? "\(analysis.microjoulesPerInference!) uJ/inf." : "invalid: \(analysis.problems.joined(separator: "; "))"))
            windows.append(window)
        }
        progress?(settings.windows, settings.windows, "energy done")
        return try energyReport(windows, record: record)
    }

    /// One acquisition around `infer n warmup`: waits until both timestamp
    /// edges and a little trailing data have arrived (or the wait runs out,
    /// which the analysis then reports), and stops the monitor in any case.
    private func acquire(_ monitor: any EnergyMonitor, _ n: Int, warmup: Int, expectedSeconds: Double,
                         log: SessionLog) throws -> (EnergyTrace, EnergyWindowAnalysis) {
        try monitor.startAcquisition()
        var stopped = false
        defer { if !stopped { _ = try? monitor.stopAcquisition() } }
        _ = try client.infer(n, warmup: warmup, expectedSeconds: expectedSeconds)
        // The trace starts just before `infer`: one that runs well past the
        // window's expected end without a second edge has lost an event.
        let limit = expectedSeconds > 0 ? Int((expectedSeconds * 1.2 + 1) * monitor.settings.sampleRateHz) : nil
        let wait = try monitor.awaitTimestampPair(quiet: .milliseconds(Int(settings.monitorWaitSeconds * 1000)), limit: limit) {
            try interruption?.check()
        }
        if !wait.complete { log.write("# the monitor's trace is incomplete: \(wait.progress.samples) samples, nothing new for \(settings.monitorWaitSeconds) s or past the window's end") }
        stopped = true
        let trace = try monitor.stopAcquisition()
        return (trace, EnergyWindowAnalysis(trace: trace, inferences: n, minimumSeconds: settings.minWindowSeconds))
    }

    private func energyReport(_ windows: [EnergyWindow], record: ModeRecord) throws -> ModeResult {
        let name = benchmark.shortName
        var problems = [String]()
        if windows.count != 5 { problems.append("\(windows.count) windows where the rules ask for 5") }
        for (i, w) in windows.enumerated() where !w.analysis.valid {
            problems.append("window \(i + 1): " + w.analysis.problems.joined(separator: "; "))
        }
        let valid = problems.isEmpty
        let label = modelledLabel("energy")
        var lines = [String]()
        if let m = manifest.monitor, let s = manifest.monitorSettings {
            lines.append("\(name) energy: monitor \(m.model) (\(m.firmware)), \(String(format: "%.3f", s.voltage)) V, \(Int(s.sampleRateHz)) samples/s, \(s.edge) edge")
        }
        for (i, w) in windows.enumerated() {
            let a = w.analysis
            if a.valid, let uj = a.microjoulesPerInference, let s = a.seconds, let p = a.averagePowerWatts {
                lines.append("\(name) energy: window \(i + 1): \(w.file) \(w.inferences) inferences in \(String(format: "%.3f", s)) s, \(String(format: "%.3f", uj)) uJ/inf., \(String(format: "%.3f", p * 1000)) mW")
            } else {
                lines.append("\(name) energy: window \(i + 1): \(w.file) INVALID: \(a.problems.joined(separator: "; "))")
            }
        }
        var result = ModeResult(mode: .energy, folder: record.folder)
        result.problems = problems
        let energies = windows.compactMap(\.analysis.microjoulesPerInference)
        let powers = windows.compactMap(\.analysis.averagePowerWatts)
        let median = valid ? WindowStatistics(energies)?.median : nil
        let power = valid ? WindowStatistics(powers)?.median : nil
        if valid && !settings.compliant {
            // Measured correctly, but not by the rules (windows shorter than 10 s): no submission may use it.
            lines.append("\(name) energy: NON-COMPLIANT run: \(settings.windows) windows, minimum window \(settings.minWindowSeconds) s")
        }
        if let median, let power {
            lines.append("\(name) energy: median power \(String(format: "%.3f", power * 1000)) mW\(label)")
            lines.append("\(name) energy: Median energy cost is \(String(format: "%.3f", median)) uJ/inf.\(label)")
            result.microjoulesPerInference = median
            result.averagePowerWatts = power
        } else {
            lines.append("\(name) energy: INVALID run, no energy score: \(problems.joined(separator: " | "))")
        }
        try record.writeResults(lines)
        try record.writeJSON(EnergyReport(manifest: manifest, settings: settings, windows: windows, medianMicrojoulesPerInference: median,
                                          medianPowerWatts: power, valid: valid, problems: problems, link: client.linkUsage))
        return result
    }

    /// `<name>.samples.f32`, `<name>.json` and `<name>.svg` in `folder`.
    private func saveTrace(_ trace: EnergyTrace, analysis: EnergyWindowAnalysis, name: String, in record: ModeRecord) throws -> [String] {
        let folder = record.folder
        let samplesFile = "\(name).samples.f32"
        var raw = [UInt8]()
        raw.reserveCapacity(trace.energies.count * 4)
        for e in trace.energies {
            let bits = Float(e).bitPattern
            raw += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        }
        try FileIO.write(Data(raw), to: folder.appendingPathComponent(samplesFile))
        try record.writeJSON(TraceRecord(samplesFile: samplesFile, samplePeriodSeconds: trace.samplePeriod, sampleCount: trace.energies.count,
                                         events: trace.events, gaps: trace.gaps, warnings: trace.warnings, analysis: analysis),
                             name: "\(name).json")
        let svg = TracePlot(trace: trace, analysis: analysis, title: "\(benchmark.shortName) energy \(name)").svg()
        try FileIO.write(Data(svg.utf8), to: folder.appendingPathComponent("\(name).svg"))
        return [samplesFile, "\(name).json", "\(name).svg"]
    }
}
