import Foundation

/// What the MLCommons submission checker looks for in a results tree, checked
/// loudly (the official checker reports but always exits 0): every
/// `<division>/<org>/results/<system>/<benchmark>/<mode>/` holds log.txt,
/// results.txt and results.json, and results.txt has the line the checker
/// parses for that mode; each system has `systems/<system>.json` with a Status.
public enum SubmissionCheck {
    /// The checker's patterns (`re.match` with a leading `.* `: some text must precede the keyword).
    static let patterns: [String: [String]] = [
        "performance": [#"^.* Median throughput is\s+[\d\.]+ inf\./sec\..*"#],
        "accuracy": [#"^.* Top[- ]1%?\s?[:=] [\d\.]+.*"#, #"^.* AUC\s?[:=] [\d\.]+.*"#],
        "energy": [#"Median energy cost is [\d\.]+ uJ/inf"#],
    ]

    /// Problems found under `root` (empty when the tree passes).
    public static func problems(root: URL) -> [String] {
        let fm = FileManager.default
        var problems = [String]()
        var resultFolders = 0
        func children(_ url: URL) -> [String] { ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
        for division in children(root) where ["closed", "open"].contains(division) {
            for org in children(root.appendingPathComponent(division)) {
                let orgURL = root.appendingPathComponent(division).appendingPathComponent(org)
                for system in children(orgURL.appendingPathComponent("results")) {
                    let systemJSON = orgURL.appendingPathComponent("systems/\(system).json")
                    if let data = try? Data(contentsOf: systemJSON),
                       let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                       let status = object["Status"] as? String, ["available", "preview", "rdi"].contains(status.lowercased()) {
                    } else {
                        problems.append("\(systemJSON.path): missing, or no Status of available/preview/rdi")
                    }
                    let systemURL = orgURL.appendingPathComponent("results").appendingPathComponent(system)
                    for benchmark in children(systemURL) {
                        for mode in children(systemURL.appendingPathComponent(benchmark)) {
                            let folder = systemURL.appendingPathComponent(benchmark).appendingPathComponent(mode)
                            resultFolders += 1
                            for file in ["log.txt", "results.txt", "results.json"] where !fm.fileExists(atPath: folder.appendingPathComponent(file).path) {
                                problems.append("\(folder.path): no \(file)")
                            }
                            guard let expected = patterns[mode] else {
                                problems.append("\(folder.path): '\(mode)' is not a mode (performance, accuracy, energy)")
                                continue
                            }
                            let text = (try? String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)) ?? ""
                            let lines = text.split(separator: "\n").map(String.init)
                            let found = expected.contains { pattern in
                                lines.contains { $0.range(of: pattern, options: .regularExpression) != nil }
                            }
                            if !found { problems.append("\(folder.path)/results.txt: no line the checker reads for \(mode)") }
                        }
                    }
                }
            }
        }
        if resultFolders == 0 { problems.append("\(root.path): no <division>/<org>/results/<system>/<benchmark>/<mode>/ folders") }
        return problems
    }
}
