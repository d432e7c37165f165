import Foundation
import TinyRuntime

/// `report.html` of a session: one self-contained page (inline CSS and SVG,
/// no script, nothing fetched) per session, readable offline and printable.
/// Per benchmark: a summary card, the performance windows and their latency,
/// the confusion matrix and per-class table (classes named) or the ROC curve,
/// each energy window's trace, and the model's per-layer profile with the
/// emulated board's modelled time per layer. Every chart has an id
/// (`<chart>-<benchmark id>`), which the browser test looks for.
public struct HTMLReport {
    public let folder: SessionFolder
    /// Modelled microseconds per operator for a session whose timing is a
    /// cost model, given the model and the board profile named in the device
    /// description (supplied by the emulators; nil leaves the column out).
    public var layerTiming: ((Model, DeviceDescription) -> [Double]?)?

    public init(folder: SessionFolder, layerTiming: ((Model, DeviceDescription) -> [Double]?)? = nil) {
        self.folder = folder
        self.layerTiming = layerTiming
    }

    /// `<session>/report.html`.
    public var file: URL { folder.url.appendingPathComponent("report.html") }

    /// Writes the page and returns where.
    @discardableResult
    public func write() throws -> URL {
        try FileIO.write(Data(try html().utf8), to: file)
        return file
    }

    public func html() throws -> String {
        let summary = try folder.summary()
        var body = "<header><h1>TinyBench session</h1><p class=\"path\">\(SVG.escape(folder.url.path))</p>\n"
        body += "<p>\(SVG.escape(summary.tool)); generated \(SVG.escape(Date.now.formatted(.iso8601)))</p></header>\n"
        let streaming = folder.streamingResultFolders
        body += "<nav><ul>" + summary.rows.map { "<li><a href=\"#bench-\($0.benchmark)\">\($0.benchmark)</a></li>" }.joined()
            + (streaming.isEmpty ? "" : "<li><a href=\"#bench-sww01\">sww01</a></li>") + "</ul></nav>\n"
        for row in summary.rows {
            guard let benchmark = Benchmark.named(row.benchmark) else { continue }
            body += try section(benchmark, row)
        }
        if !streaming.isEmpty { body += wakewordSection(streaming) }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>TinyBench report: \(SVG.escape(folder.url.lastPathComponent))</title>
        <style>\(Self.style)</style></head>
        <body>
        \(body)</body></html>

        """
    }

    private func section(_ benchmark: Benchmark, _ row: RunSummary.Row) throws -> String {
        let id = benchmark.id
        var s = "<section id=\"bench-\(id)\"><h2>\(id): \(SVG.escape(benchmark.title))</h2>\n"
        s += card(benchmark, row)
        let decoder = JSONDecoder()
        if let data = read(benchmark, .performance), let r = try? decoder.decode(PerformanceReport.self, from: data) {
            s += "<h3>Performance</h3>\n<figure>\(ReportCharts.windows(id: "perf-windows-\(id)", r.windows, median: r.medianThroughput))"
            s += "<figcaption>Throughput of each window (\(r.windows.map { String($0.inferences) }.joined(separator: ", ")) inferences); the dashed line is the median, the score.\(label(r.manifest.device))</figcaption></figure>\n"
            s += "<figure>\(ReportCharts.latency(id: "latency-\(id)", r.windows))<figcaption>Latency per inference in each window (window time / inferences); the dashed line is the median.</figcaption></figure>\n"
        }
        if let data = read(benchmark, .accuracy), let r = try? decoder.decode(AccuracyPage.self, from: accuracyPage(benchmark, data)) {
            s += "<h3>Accuracy</h3>\n" + accuracy(benchmark, r)
        }
        if let data = read(benchmark, .energy), let r = try? decoder.decode(EnergyReport.self, from: data) {
            s += "<h3>Energy</h3>\n" + energy(benchmark, r)
        }
        if let manifest = try? folder.results().first(where: { $0.benchmark == benchmark })?.manifest {
            s += layers(benchmark, manifest)
        }
        return s + "</section>\n"
    }

    private func card(_ benchmark: Benchmark, _ row: RunSummary.Row) -> String {
        var items = [(String, String)]()
        if let t = row.throughput { items.append(("throughput", String(format: "%.3f inf./s", t))) }
        if let l = row.latencyMilliseconds { items.append(("latency", String(format: "%.3f ms", l))) }
        if let q = row.quality {
            let value = row.metric == "AUC" ? String(format: "AUC %.4f", q) : String(format: "top-1 %.2f %%", q * 100)
            let target = row.metric == "AUC" ? String(format: "%.2f", row.target) : String(format: "%.0f %%", row.target * 100)
            items.append(("quality", "\(value) (target \(target): \(row.targetMet == true ? "met" : "NOT met"))"))
        }
        if let e = row.microjoulesPerInference { items.append(("energy", String(format: "%.3f uJ/inf.", e))) }
        if let p = row.averagePowerWatts { items.append(("power", String(format: "%.3f mW", p * 1000))) }
        if let problems = row.energyProblems, !problems.isEmpty { items.append(("energy", "INVALID: " + problems.joined(separator: "; "))) }
        if let c = row.compliant { items.append(("run rules", c ? "compliant (5 windows of at least 10 s)" : "NON-COMPLIANT")) }
        items.append(("device", row.device + (row.emulated ? " (emulated: modelled figures, not a measurement)" : "")))
        if let error = row.error { items.append(("stopped", error)) }
        return "<div class=\"card\" id=\"summary-\(benchmark.id)\"><dl>" + items.map { "<dt>\($0.0)</dt><dd>\(SVG.escape($0.1))</dd>" }.joined() + "</dl></div>\n"
    }

    /// What the accuracy section shows of results.json: each sample's label
    /// and score, not its result vector (decoding those is most of the work).
    private struct AccuracyPage: Decodable {
        struct Sample: Decodable {
            var label: Int
            var score: Double?
        }
        var samples: [Sample]
        var auc: Double?
        var classification: ClassificationReport?
    }

    /// What of an accuracy results.json the page decodes: a classifier's
    /// section shows its confusion matrix, which needs none of the samples.
    private func accuracyPage(_ benchmark: Benchmark, _ data: Data) -> Data {
        guard case .top1 = benchmark.metric else { return data }
        return TopLevelArray.emptied("samples", in: data) ?? data
    }

    private func accuracy(_ benchmark: Benchmark, _ r: AccuracyPage) -> String {
        let id = benchmark.id
        if case .auc = benchmark.metric {
            let chart = ReportCharts.roc(id: "roc-\(id)", labels: r.samples.map(\.label), scores: r.samples.map { $0.score ?? .nan }, auc: r.auc)
            return "<figure>\(chart)<figcaption>ROC curve over \(r.samples.count) files (the score of a file is the mean of its window scores).</figcaption></figure>\n"
        }
        guard let c = r.classification else { return "<p>No classification (the run was interrupted).</p>\n" }
        let names = (0..<benchmark.classes).map(benchmark.className)
        var s = "<figure>\(ReportCharts.confusion(id: "confusion-\(id)", c.confusion, names: names))<figcaption>Confusion matrix of \(c.total) samples: top-1 \(String(format: "%.2f", c.top1 * 100)) %.</figcaption></figure>\n"
        s += "<table id=\"per-class-\(id)\"><thead><tr><th>class</th><th>name</th><th>samples</th><th>correct</th><th>accuracy</th><th>precision</th></tr></thead><tbody>\n"
        for k in 0..<c.confusion.count {
            let samples = c.confusion[k].reduce(0, +), correct = c.confusion[k][k]
            let predicted = c.confusion.reduce(0) { $0 + $1[k] }
            let accuracy = samples == 0 ? "-" : String(format: "%.2f %%", Double(correct) / Double(samples) * 100)
            let precision = predicted == 0 ? "-" : String(format: "%.2f %%", Double(correct) / Double(predicted) * 100)
            s += "<tr><td>\(k)</td><td>\(SVG.escape(names[k]))</td><td>\(samples)</td><td>\(correct)</td><td>\(accuracy)</td><td>\(precision)</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    private func energy(_ benchmark: Benchmark, _ r: EnergyReport) -> String {
        var s = r.valid ? "" : "<p class=\"bad\">Invalid run: \(SVG.escape(r.problems.joined(separator: "; ")))</p>\n"
        let folder = self.folder.url.appendingPathComponent(benchmark.shortName).appendingPathComponent("energy")
        for (k, window) in r.windows.enumerated() {
            guard let name = window.traceFiles.first(where: { $0.hasSuffix(".svg") }),
                  let svg = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { continue }
            let tagged = svg.replacingOccurrences(of: "<svg xmlns=", with: "<svg id=\"energy-window-\(k + 1)-\(benchmark.id)\" class=\"chart\" xmlns=")
            let a = window.analysis
            let figures = [a.microjoulesPerInference.map { String(format: "%.3f uJ/inf.", $0) },
                           a.averagePowerWatts.map { String(format: "%.3f mW", $0 * 1000) },
                           a.seconds.map { String(format: "%.2f s measured", $0) }].compactMap { $0 }
            s += "<figure>\(tagged)<figcaption>Window \(k + 1) (\(window.inferences) inferences on \(SVG.escape(window.file))): \(figures.joined(separator: ", "))\(a.problems.isEmpty ? "" : "; INVALID: " + SVG.escape(a.problems.joined(separator: "; "))).</figcaption></figure>\n"
        }
        return s
    }

    /// The model's operators (when its file is still where the session found it, unchanged).
    private func layers(_ benchmark: Benchmark, _ manifest: SessionManifest) -> String {
        guard let path = manifest.modelPath, let file = try? ModelFile(path: path), file.sha256 == manifest.modelSHA256,
              let model = try? file.model() else {
            return "<h3>Model</h3><p>The model's layers are not shown: \(manifest.modelPath == nil ? "the DUT's firmware holds the model" : "the model file is no longer where the session found it, or changed").</p>\n"
        }
        let stats = ModelStatistics(model: model)
        let times = manifest.device.timing == .costModel ? layerTiming?(model, manifest.device) : nil
        var s = "<h3>Model</h3><p>\(SVG.escape(path)): \(stats.operators.count) operators, \(stats.macs) MACs, \(stats.weightBytes) weight bytes, arena \(stats.arenaBytes) bytes.</p>\n"
        s += "<table id=\"layers-\(benchmark.id)\"><thead><tr><th>#</th><th>operator</th><th>options</th><th>input</th><th>output</th><th>MACs</th><th>weight bytes</th>"
        s += (times == nil ? "" : "<th>modelled µs (emulated)</th>") + "</tr></thead><tbody>\n"
        func shapes(_ s: [[Int]]) -> String { s.map(RawInference.shape).joined(separator: " ") }
        for (k, op) in stats.operators.enumerated() {
            s += "<tr><td>\(op.index)</td><td>\(SVG.escape(op.name))</td><td>\(SVG.escape(op.options))</td><td>\(shapes(op.inputShapes))</td><td>\(shapes(op.outputShapes))</td><td>\(op.macs)</td><td>\(op.weightBytes)</td>"
            if let times, times.indices.contains(k) { s += String(format: "<td>%.1f</td>", times[k]) }
            s += "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// sww01 (`tinybench sww`): per mode and stream, the runner's result lines and the detections against the truth windows.
    private func wakewordSection(_ folders: [URL]) -> String {
        var s = "<section id=\"bench-sww01\"><h2>sww01: streaming wakeword</h2>\n"
        for folder in folders {
            guard let data = try? FileIO.read(folder.appendingPathComponent("results.json")),
                  let r = try? JSONDecoder().decode(WakewordResults.self, from: data) else {
                s += "<p class=\"bad\">\(SVG.escape(folder.path))/results.json cannot be read.</p>\n"
                continue
            }
            let mode = folder.lastPathComponent
            s += "<h3>\(SVG.escape(mode.prefix(1).uppercased() + mode.dropFirst()))</h3>\n"
            s += "<div class=\"card\" id=\"summary-sww01-\(mode)\"><pre>\(SVG.escape(r.resultLines.joined(separator: "\n")))</pre></div>\n"
            for (k, stream) in r.streams.enumerated() {
                s += "<figure>\(ReportCharts.wakewordTimeline(id: "sww-timeline-\(mode)-\(k + 1)", stream))"
                s += "<figcaption>\(SVG.escape(stream.stream)): \(SVG.escape(stream.score.accuracyLine)). Dark green: truth windows; light green: the 2 s after each that the runner's scoring still credits; blue: the wakeword score of each frame (the dashed line is the detection threshold, 115); ticks: detections (red: false positives).\(label(r.manifest.device))</figcaption></figure>\n"
                let plot = folder.appendingPathComponent(String(format: "energy_inf_%03d.svg", k))
                if let svg = try? String(contentsOf: plot, encoding: .utf8) {
                    s += "<figure>\(svg.replacingOccurrences(of: "<svg xmlns=", with: "<svg id=\"sww-energy-\(k + 1)\" class=\"chart\" xmlns="))"
                    s += "<figcaption>Power over \(SVG.escape(stream.stream)), between the DUT's start and stop timestamps.</figcaption></figure>\n"
                }
            }
        }
        return s + "</section>\n"
    }

    private func read(_ benchmark: Benchmark, _ mode: Mode) -> Data? {
        try? FileIO.read(folder.url.appendingPathComponent(benchmark.shortName).appendingPathComponent(mode.rawValue).appendingPathComponent("results.json"))
    }

    private func label(_ device: DeviceDescription) -> String {
        switch device.timing {
        case .measured: ""
        case .costModel: " Timing: emulated (cost model), not a measurement."
        case .instructionCount: " Timing: QEMU instruction count, not a measurement."
        }
    }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#111827;line-height:1.4}
    h1{margin-bottom:0}.path{color:#6b7280;margin-top:.2rem}nav ul{display:flex;gap:1rem;list-style:none;padding:0}
    section{border-top:2px solid #e5e7eb;margin-top:2rem;page-break-before:always}
    .card dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#f9fafb;padding:1rem;border-radius:6px}
    .card dt{font-weight:600}.bad{color:#b91c1c;font-weight:600}
    svg.chart{max-width:100%;height:auto;font-size:12px;font-family:system-ui,sans-serif}
    figure{margin:1rem 0}figcaption{color:#374151;font-size:.9rem}pre{white-space:pre-wrap}
    table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #d1d5db;padding:.2rem .5rem;text-align:right}
    th{background:#f3f4f6}td:nth-child(2),td:nth-child(3){text-align:left}
    @media print{body{margin:0;max-width:none}nav{display:none}}
    """
}
