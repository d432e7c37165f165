import Foundation
import TinyRuntime

/// The output of `tinybench model inspect`: a table for people, JSON for scripts.
public struct ModelReport: Sendable {
    public let statistics: ModelStatistics

    public init(model: Model) {
        statistics = ModelStatistics(model: model)
    }

    /// One row per operator, then the totals.
    public func table() -> String {
        func shapes(_ s: [[Int]]) -> String { s.map(RawInference.shape).joined(separator: " ") }
        let header = ["#", "op", "input", "output", "options", "MACs", "params", "weight B"]
        var rows = statistics.operators.map {
            [String($0.index), $0.name, shapes($0.inputShapes), shapes($0.outputShapes), $0.options,
             Self.grouped($0.macs), Self.grouped($0.parameters), Self.grouped($0.weightBytes)]
        }
        rows.insert(header, at: 0)
        let numeric: Set<Int> = [0, 5, 6, 7]
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.indices.map { c in
                numeric.contains(c) ? String(repeating: " ", count: widths[c] - row[c].count) + row[c]
                    : row[c] + String(repeating: " ", count: widths[c] - row[c].count)
            }.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        lines.append("")
        lines.append("total MACs     \(Self.grouped(statistics.macs))")
        lines.append("parameters     \(Self.grouped(statistics.parameters))")
        lines.append("weight bytes   \(Self.grouped(statistics.weightBytes))")
        lines.append("arena bytes    \(Self.grouped(statistics.arenaBytes))  (activations, as planned)")
        return lines.joined(separator: "\n")
    }

    /// `{"operators": [...], "totals": {"macs", "parameters", "weightBytes", "arenaBytes"}}`.
    public func json() throws -> String {
        let operators: [[String: Any]] = statistics.operators.map {
            ["index": $0.index, "op": $0.name, "inputShapes": $0.inputShapes, "outputShapes": $0.outputShapes,
             "options": $0.options, "macs": $0.macs, "weightBytes": $0.weightBytes, "parameters": $0.parameters]
        }
        let totals: [String: Any] = ["macs": statistics.macs, "parameters": statistics.parameters,
                                     "weightBytes": statistics.weightBytes, "arenaBytes": statistics.arenaBytes]
        let data = try JSONSerialization.data(withJSONObject: ["operators": operators, "totals": totals],
                                              options: JSONOutput.serializationOptions)
        return String(decoding: data, as: UTF8.self)
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
