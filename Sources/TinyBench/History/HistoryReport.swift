import Foundation

/// `tinybench history` output: the recorded results as a table, and each
/// benchmark's figures over the runs as a terminal sparkline.
public struct HistoryReport {
    public var entries: [RunHistory.Entry]
    /// Points in a trend line (the latest runs).
    public var trendLength = 30

    public init(entries: [RunHistory.Entry]) {
        self.entries = entries
    }

    /// One line per recorded result, oldest first.
    public func table() -> String {
        guard !entries.isEmpty else { return "no runs recorded" }
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        var rows = [["run", "recorded (UTC)", "benchmark", "mode", "figure", "device"]]
        for e in entries {
            rows.append([String(e.run.id ?? 0), dates.string(from: e.run.recordedAt), e.result.benchmark, e.result.mode,
                         Self.figure(e.result), e.result.device + (e.result.timing == "measured" ? "" : " [\(e.result.timing)]")])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// Each benchmark's figure over the runs, e.g. `kws01 throughput ▁▃▅█ 5.2 → 5.6 inf./s (4 runs)`.
    public func trends() -> String {
        var lines = [String]()
        let metrics: [(String, String, (RunHistory.Result) -> Double?)] = [
            ("throughput", "inf./s", \.throughput), ("quality", "", \.quality),
            ("energy", "uJ/inf.", \.microjoulesPerInference),
        ]
        for benchmark in Benchmark.all.map(\.id) {
            for (name, unit, value) in metrics {
                let values = entries.filter { $0.result.benchmark == benchmark && !$0.result.interrupted }
                    .compactMap { value($0.result) }.suffix(trendLength)
                guard values.count >= 2, let first = values.first, let last = values.last else { continue }
                lines.append("\(benchmark) \(name) \(Self.sparkline(Array(values))) \(Self.number(first)) -> \(Self.number(last))"
                             + (unit.isEmpty ? "" : " \(unit)") + " (\(values.count) runs)")
            }
        }
        return lines.isEmpty ? "no trend yet (a figure needs two runs)" : lines.joined(separator: "\n")
    }

    /// Eight block heights between the smallest and largest value (a flat series is the lowest block).
    public static func sparkline(_ values: [Double]) -> String {
        let blocks = Array("▁▂▃▄▅▆▇█")
        guard let low = values.min(), let high = values.max() else { return "" }
        return String(values.map { v in
            high > low ? blocks[min(7, Int(((v - low) / (high - low) * 7).rounded()))] : blocks[0]
        })
    }

    static func figure(_ r: RunHistory.Result) -> String {
        if r.interrupted { return "interrupted" }
        switch r.mode {
        case "performance": return r.throughput.map { "\(number($0)) inf./s" + (r.compliant == false ? " (non-compliant)" : "") } ?? "-"
        case "energy": return r.microjoulesPerInference.map { "\(number($0)) uJ/inf." } ?? "invalid"
        default: return r.quality.map { number($0) } ?? "-"
        }
    }

    static func number(_ v: Double) -> String { String(format: abs(v) >= 100 ? "%.1f" : "%.4g", v) }
}
