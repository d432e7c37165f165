import Foundation

/// A results tree checked as the MLCommons submission checker reads it and
/// against the MLPerf Tiny run rules behind its numbers, failing loudly where
/// the official checker only reports (it always exits 0):
///
/// - every `<division>/<org>/results/<system>/<benchmark>/<mode>/` holds
///   log.txt, results.txt and results.json, results.txt has the line the
///   checker parses for that mode, and each system has `systems/<system>.json`
///   with a Status;
/// - in the closed division every `<benchmark>` folder is one the checker
///   (v1.4) knows, a result that needs another beside it has it (an `ic2`
///   result needs an `ic` result of the same system), and an accuracy run
///   meets its benchmark's target (ic2: top-1 91 %), as the checker requires;
/// - no run is NON-COMPLIANT, INTERRUPTED or INVALID (as results.txt says, or
///   results.json where results.txt is silent);
/// - performance and energy runs have exactly 5 windows of at least 10 s each
///   (from results.json: results.txt does not always say it, e.g. an energy
///   run with short windows is otherwise valid);
/// - every result was measured on a board, not emulated or run on QEMU,
///   unless emulated results are allowed.
public enum SubmissionCheck {
    /// What a check found.
    public struct Findings: Sendable {
        /// Every rule the tree fails, one line each, starting with the file or folder concerned (empty when it passes).
        public var problems: [String] = []
        /// Result folders whose figures are emulated (cost model) or from QEMU, not measured on a board.
        /// They are problems unless emulated results are allowed.
        public var emulatedFolders: [URL] = []
        /// Every `<benchmark>/<mode>` result folder found.
        public var resultFolders = 0
    }

    /// The checker's patterns (`re.match` with a leading `.* `: some text must precede the keyword).
    static let patterns: [String: [String]] = [
        "performance": [#"^.* Median throughput is\s+[\d\.]+ inf\./sec\..*"#],
        "accuracy": [#"^.* Top[- ]1%?\s?[:=] [\d\.]+.*"#, #"^.* AUC\s?[:=] [\d\.]+.*"#],
        "energy": [#"Median energy cost is [\d\.]+ uJ/inf"#],
    ]
    /// sww's results.txt lines the checker reads (`sww_perf_acc`, `check_power_dir`), every one required,
    /// from a performance folder, or an energy folder when there is one.
    static let swwPatterns: [String: [String]] = [
        "performance": [#"Estimated throughput:\s*[\d\.]+ inf\./sec\."#, #"Accuracy: \d+ True positives, \d+ False negatives, \d+ False positives"#,
                        #"Average duty cycle:\s*[\d\.]+"#],
        "energy": [#"Estimated throughput:\s*[\d\.]+ inf\./sec\."#, #"Accuracy: \d+ True positives, \d+ False negatives, \d+ False positives"#,
                   #"Average duty cycle:\s*[\d\.]+"#, #"Power\s+: [\d\.]+ mW"#],
    ]
    static let swwAccuracyPattern = #"Accuracy: (\d+) True positives, (\d+) False negatives, (\d+) False positives"#
    /// The `<benchmark>` folders the checker (v1.4, its default) accepts in the closed division.
    static let closedBenchmarks = ["ad", "ic", "ic2", "kws", "vww", "sww"]
    /// The checker's accuracy patterns, capturing the score: it reads the one of the benchmark's metric.
    static let top1Pattern = #"^.* Top[- ]1%?\s?[:=] ([\d\.]+).*"#
    static let aucPattern = #"^.* AUC\s?[:=] ([\d\.]+).*"#
    /// Windows of a performance or energy run, by the rules.
    static let requiredWindows = 5
    /// The shortest window the rules accept, in DUT seconds.
    static let minimumWindowSeconds = 10.0
    /// What a run writes into results.txt when its result must not be submitted,
    /// and the results.json field that says the same (with the value that fails).
    static let failureMarks: [(word: String, key: String, failing: Bool)] = [
        ("NON-COMPLIANT", "compliant", false),
        ("INTERRUPTED", "interrupted", true),
        ("INVALID", "valid", false),
    ]

    /// Checks the tree under `root`. Emulated and QEMU results are listed in
    /// the findings either way, and are problems unless `allowEmulated`.
    public static func check(root: URL, allowEmulated: Bool) -> Findings {
        var findings = Findings()
        func children(_ url: URL) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        }
        for division in children(root) where ["closed", "open"].contains(division) {
            for org in children(root.appendingPathComponent(division)) {
                let orgURL = root.appendingPathComponent(division).appendingPathComponent(org)
                for system in children(orgURL.appendingPathComponent("results")) {
                    let systemJSON = orgURL.appendingPathComponent("systems/\(system).json")
                    if let data = try? Data(contentsOf: systemJSON),
                       let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                       let status = object["Status"] as? String, ["available", "preview", "rdi"].contains(status.lowercased()) {
                    } else {
                        findings.problems.append("\(systemJSON.path): missing, or no Status of available/preview/rdi")
                    }
                    let systemURL = orgURL.appendingPathComponent("results").appendingPathComponent(system)
                    let benchmarks = children(systemURL)
                    for benchmark in benchmarks {
                        let benchmarkURL = systemURL.appendingPathComponent(benchmark)
                        if division == "closed" && !closedBenchmarks.contains(benchmark) {
                            findings.problems.append("\(benchmarkURL.path): '\(benchmark)' is not a benchmark of the closed division (\(closedBenchmarks.joined(separator: ", ")))")
                        }
                        let known = Benchmark.all.first { $0.shortName == benchmark }
                        for needed in known?.submittedWith ?? [] where !benchmarks.contains(needed) {
                            findings.problems.append("\(benchmarkURL.path): \(benchmark) results need \(needed) results of the same system beside them (\(systemURL.appendingPathComponent(needed).path) is missing)")
                        }
                        for mode in children(systemURL.appendingPathComponent(benchmark)) {
                            let folder = systemURL.appendingPathComponent(benchmark).appendingPathComponent(mode)
                            findings.resultFolders += 1
                            checkResults(folder, mode: mode, streaming: benchmark == "sww", allowEmulated: allowEmulated, into: &findings)
                            if benchmark == "sww", division == "closed" {
                                checkStreamingTarget(folder, into: &findings)
                            }
                            if mode == "accuracy", division == "closed", let known {
                                checkTarget(folder, benchmark: known, into: &findings)
                            }
                        }
                    }
                }
            }
        }
        if findings.resultFolders == 0 {
            findings.problems.append("\(root.path): no <division>/<org>/results/<system>/<benchmark>/<mode>/ folders")
        }
        return findings
    }

    /// The rules for one `<benchmark>/<mode>` folder.
    private static func checkResults(_ folder: URL, mode: String, streaming: Bool, allowEmulated: Bool, into findings: inout Findings) {
        let fm = FileManager.default
        var required = ["log.txt", "results.txt", "results.json"]
        // The checker wants the energy plot beside an sww energy result.
        if streaming && mode == "energy" { required.append("energy_inf_000.png") }
        for file in required where !fm.fileExists(atPath: folder.appendingPathComponent(file).path) {
            findings.problems.append("\(folder.path): no \(file)")
        }
        guard let expected = (streaming ? swwPatterns : patterns)[mode] else {
            findings.problems.append(streaming ? "\(folder.path): the checker reads sww results from performance or energy, not '\(mode)'"
                                               : "\(folder.path): '\(mode)' is not a mode (performance, accuracy, energy)")
            return
        }
        let textPath = folder.appendingPathComponent("results.txt").path
        let jsonURL = folder.appendingPathComponent("results.json")
        let text = (try? String(contentsOfFile: textPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let matches = { (pattern: String) in lines.filter { $0.range(of: pattern, options: .regularExpression) != nil } }
        let scoreLines = expected.flatMap(matches)
        if streaming {
            for pattern in expected where matches(pattern).isEmpty {
                findings.problems.append("\(textPath): no line matching '\(pattern)', which the checker reads for sww")
            }
        } else if scoreLines.isEmpty {
            findings.problems.append("\(textPath): no line the checker reads for \(mode)")
        }

        // The run's own verdict: results.txt says it; results.json backs it up where results.txt is silent.
        var marked = Set<String>()
        for line in lines {
            guard let mark = failureMarks.first(where: { line.contains($0.word) }) else { continue }
            findings.problems.append("\(textPath): \(line)")
            marked.insert(mark.word)
        }
        // A missing results.json was reported above; an unreadable one hides the windows and the device.
        var report = [String: Any]()
        if fm.fileExists(atPath: jsonURL.path) {
            if let data = try? Data(contentsOf: jsonURL), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                report = object
                // An energy report lists why it is invalid; say it with the verdict.
                let listed = report["problems"] as? [String] ?? []
                let reasons = listed.isEmpty ? "" : ": " + listed.joined(separator: "; ")
                for mark in failureMarks where !marked.contains(mark.word) && (report[mark.key] as? Bool) == mark.failing {
                    findings.problems.append("\(jsonURL.path): \"\(mark.key)\": \(mark.failing) (\(mark.word))\(reasons)")
                }
                if !streaming && (mode == "performance" || mode == "energy") {
                    findings.problems += windowProblems(report, mode: mode, path: jsonURL.path)
                }
            } else {
                findings.problems.append("\(jsonURL.path): not a JSON object, so the run's windows and device cannot be checked")
            }
        }
        if let evidence = emulationEvidence(report, jsonPath: jsonURL.path, scoreLines: scoreLines, textPath: textPath) {
            findings.emulatedFolders.append(folder)
            if !allowEmulated { findings.problems.append("\(evidence); --allow-emulated accepts it") }
        }
    }

    /// The closed division's sww rules on the accuracy line the checker reads
    /// (the last one): TP + FN = 50 (the long stream), FN ≤ 8, FP ≤ 8.
    private static func checkStreamingTarget(_ folder: URL, into findings: inout Findings) {
        let textPath = folder.appendingPathComponent("results.txt").path
        guard let text = try? String(contentsOfFile: textPath, encoding: .utf8),
              let regex = try? NSRegularExpression(pattern: swwAccuracyPattern) else { return }
        let range = NSRange(text.startIndex..., in: text)
        guard let last = regex.matches(in: text, range: range).last else { return }
        let counts = (1...3).compactMap { Range(last.range(at: $0), in: text).flatMap { Int(text[$0]) } }
        guard counts.count == 3 else { return }
        for problem in WakewordResults.closedDivisionProblems(truePositives: counts[0], falseNegatives: counts[1], falsePositives: counts[2]) {
            findings.problems.append("\(textPath): \(problem) (closed division)")
        }
    }

    /// The accuracy run's score (the last line the checker matches) against the
    /// benchmark's target: top-1 in percent, AUC as a fraction.
    private static func checkTarget(_ folder: URL, benchmark: Benchmark, into findings: inout Findings) {
        let textPath = folder.appendingPathComponent("results.txt").path
        guard let text = try? String(contentsOfFile: textPath, encoding: .utf8) else { return }
        // A classifier's results.txt has an AUC line too; the checker reads only its metric's (the last match wins).
        let pattern = switch benchmark.metric {
        case .top1: top1Pattern
        case .auc: aucPattern
        }
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return }
        var score: Double?
        for line in text.split(separator: "\n").map(String.init) {
            guard let match = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let range = Range(match.range(at: 1), in: line) else { continue }
            score = Double(line[range])
        }
        guard let score else { return }   // no score line: reported with the file rules
        let (target, shown) = switch benchmark.metric {
        case .top1(let t): (t * 100, "top-1 \(String(format: "%.0f", t * 100)) %")
        case .auc(let t): (t, "AUC \(t)")
        }
        if score < target {
            findings.problems.append("\(textPath): \(score) misses \(benchmark.shortName)'s accuracy target (\(shown)); the checker rejects it in the closed division")
        }
    }

    /// The window count and each window's length in DUT seconds (a
    /// performance window's `seconds`, an energy window's `analysis.seconds`,
    /// which an invalid energy window may lack).
    private static func windowProblems(_ report: [String: Any], mode: String, path: String) -> [String] {
        guard let windows = report["windows"] as? [[String: Any]] else {
            return ["\(path): no windows, so their number and lengths cannot be checked"]
        }
        var problems = [String]()
        if windows.count != requiredWindows {
            problems.append("\(path): \(windows.count) \(mode) window(s) where the rules ask for \(requiredWindows)")
        }
        var short = [String]()
        for (i, window) in windows.enumerated() {
            let measured = mode == "energy" ? (window["analysis"] as? [String: Any])?["seconds"] : window["seconds"]
            // NSNumber: JSONSerialization reads a whole number of seconds (written as "15") as an integer.
            guard let seconds = (measured as? NSNumber)?.doubleValue else {
                short.append("window \(i + 1) (no measured length)")
                continue
            }
            if seconds < minimumWindowSeconds { short.append("window \(i + 1) (\(String(format: "%.3f", seconds)) s)") }
        }
        if !short.isEmpty {
            problems.append("\(path): \(short.joined(separator: ", ")) under the \(Int(minimumWindowSeconds)) s the rules ask of every \(mode) window")
        }
        return problems
    }

    /// Why a folder's figures are not a measurement on a board, naming the
    /// file that says so: results.json's device timing (cost model, QEMU's
    /// instruction count) or `emulated` flag, or a score line labelled emulated.
    private static func emulationEvidence(_ report: [String: Any], jsonPath: String, scoreLines: [String], textPath: String) -> String? {
        let manifest = report["manifest"] as? [String: Any]
        let device = manifest?["device"] as? [String: Any]
        if let timing = device?["timing"] as? String, DeviceDescription.Timing(rawValue: timing) != .measured {
            let kind = DeviceDescription.Timing(rawValue: timing) == .instructionCount ? "QEMU" : "emulated"
            let summary = (device?["summary"] as? String).map { ": \($0)" } ?? ""
            return "\(jsonPath): \(kind) result, not a measurement on a board (\(timing) timing\(summary))"
        }
        if (manifest?["emulated"] as? Bool) == true {
            return "\(jsonPath): emulated result, not a measurement on a board (the manifest says emulated)"
        }
        if let line = scoreLines.first(where: { $0.contains("emulated") }) {
            return "\(textPath): emulated result, not a measurement on a board (\(line))"
        }
        return nil
    }
}
