import Foundation

/// Two sessions side by side (`tinybench compare A B`): each benchmark's
/// throughput, latency, energy and quality in A (the baseline) and B, the
/// relative change, whether it is a regression beyond its threshold, and the
/// accuracy samples whose prediction changed. A firmware CI job gates on
/// ``hasRegression``.
public struct SessionComparison: Sendable, Codable {
    /// A figure a benchmark reports, and which way is better.
    public enum Metric: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
        case throughput, latency, energy, power, quality

        /// True when a larger value is better.
        public var higherIsBetter: Bool { self == .throughput || self == .quality }

        /// The unit printed beside the values.
        var unit: String {
            switch self {
            case .throughput: "inf./s"
            case .latency: "ms"
            case .energy: "uJ/inf."
            case .power: "mW"
            case .quality: ""
            }
        }
    }

    /// How far a metric may move the wrong way before it is a regression,
    /// as a fraction of the baseline (0.02: 2 %).
    public struct Thresholds: Sendable, Codable, Equatable {
        public var fallback: Double
        public var perMetric: [Metric: Double]

        public init(fallback: Double = 0.02, perMetric: [Metric: Double] = [:]) {
            self.fallback = fallback
            self.perMetric = perMetric
        }

        public subscript(metric: Metric) -> Double { perMetric[metric] ?? fallback }

        /// `2%`, `0.5 %` or `latency=5%`: a percentage for every metric or for one.
        public mutating func parse(_ text: String) throws(ComparisonError) {
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let percent = parts.last ?? ""
            let digits = percent.hasSuffix("%") ? String(percent.dropLast()).trimmingCharacters(in: .whitespaces) : percent
            guard let value = Double(digits), value.isFinite, value >= 0, value <= 1000 else {
                throw .badThreshold(text)
            }
            guard parts.count == 2 else {
                fallback = value / 100
                return
            }
            guard let metric = Metric(rawValue: parts[0]) else { throw .badThreshold(text) }
            perMetric[metric] = value / 100
        }
    }

    /// One metric of one benchmark in both sessions.
    public struct Change: Sendable, Codable, Equatable {
        public var benchmark: String
        public var metric: Metric
        public var baseline: Double
        public var candidate: Double
        /// (candidate − baseline) / baseline; positive means larger.
        public var relative: Double
        public var threshold: Double
        /// True when the change is worse than the threshold allows.
        public var regression: Bool
    }

    /// A sample predicted differently in B.
    public struct ChangedPrediction: Sendable, Codable, Equatable {
        public var benchmark: String
        public var file: String
        public var label: Int
        /// Classifiers: the predicted classes; ad01: the file's anomaly scores.
        public var baseline: Double
        public var candidate: Double
    }

    public var baseline: String
    public var candidate: String
    public var thresholds: Thresholds
    public var changes: [Change] = []
    public var changedPredictions: [ChangedPrediction] = []
    /// Figures present in only one of the sessions (not compared), e.g. `ic01 energy: only in A`.
    public var unmatched: [String] = []

    public var hasRegression: Bool { changes.contains(where: \.regression) }

    /// Compares session folder `b` with the baseline `a`.
    public init(_ a: SessionFolder, _ b: SessionFolder, thresholds: Thresholds = Thresholds()) throws {
        baseline = a.url.path
        candidate = b.url.path
        self.thresholds = thresholds
        let rowsA = Dictionary(try a.summary().rows.map { ($0.benchmark, $0) }, uniquingKeysWith: { x, _ in x })
        let rowsB = Dictionary(try b.summary().rows.map { ($0.benchmark, $0) }, uniquingKeysWith: { x, _ in x })
        for benchmark in Benchmark.all {
            let id = benchmark.id
            guard let ra = rowsA[id], let rb = rowsB[id] else {
                if rowsA[id] != nil || rowsB[id] != nil { unmatched.append("\(id): only in \(rowsA[id] != nil ? "A" : "B")") }
                continue
            }
            for metric in Metric.allCases {
                let va = Self.value(metric, ra), vb = Self.value(metric, rb)
                switch (va, vb) {
                case let (x?, y?): changes.append(Self.change(id, metric, x, y, threshold: thresholds[metric]))
                case (nil, nil): break
                default: unmatched.append("\(id) \(metric.rawValue): only in \(va != nil ? "A" : "B")")
                }
            }
            if let sa = try a.accuracySamples(benchmark), let sb = try b.accuracySamples(benchmark) {
                changedPredictions += Self.changedPredictions(benchmark, sa, sb)
            }
        }
    }

    static func value(_ metric: Metric, _ row: RunSummary.Row) -> Double? {
        switch metric {
        case .throughput: row.throughput
        case .latency: row.latencyMilliseconds
        case .energy: row.microjoulesPerInference
        case .power: row.averagePowerWatts.map { $0 * 1000 }
        case .quality: row.quality
        }
    }

    static func change(_ id: String, _ metric: Metric, _ a: Double, _ b: Double, threshold: Double) -> Change {
        let relative = a == 0 ? (b == 0 ? 0 : .infinity * (b > 0 ? 1 : -1)) : (b - a) / abs(a)
        let worse = metric.higherIsBetter ? -relative : relative
        return Change(benchmark: id, metric: metric, baseline: a, candidate: b, relative: relative, threshold: threshold,
                      regression: worse > threshold)
    }

    /// Samples of the same file whose prediction (a classifier) or score (ad01) differs.
    static func changedPredictions(_ benchmark: Benchmark, _ a: [AccuracySample], _ b: [AccuracySample]) -> [ChangedPrediction] {
        let byFile = Dictionary(b.map { ($0.file, $0) }, uniquingKeysWith: { x, _ in x })
        return a.compactMap { sa in
            guard let sb = byFile[sa.file] else { return nil }
            let (x, y): (Double?, Double?) = benchmark.metric.isAUC ? (sa.score, sb.score) : (sa.predicted.map(Double.init), sb.predicted.map(Double.init))
            guard let x, let y, x != y else { return nil }
            return ChangedPrediction(benchmark: benchmark.id, file: sa.file, label: sa.label, baseline: x, candidate: y)
        }
    }

    /// The comparison as JSON (sorted keys, pretty printed).
    public func json() throws -> Data { try JSONOutput.encoder().encode(self) }

    /// The comparison as a table, then the changed predictions (at most `listed` of them) and the verdict.
    public func text(listed: Int = 20) -> String {
        var lines = ["A: \(baseline)", "B: \(candidate)", ""]
        lines.append(pad(["benchmark", "metric", "A", "B", "change", "threshold", ""]))
        for c in changes {
            let unit = c.metric.unit
            lines.append(pad([c.benchmark, c.metric.rawValue, Self.format(c.baseline, unit), Self.format(c.candidate, unit),
                              String(format: "%+.2f %%", c.relative * 100), String(format: "%.2f %%", c.threshold * 100),
                              c.regression ? "REGRESSION" : "ok"]))
        }
        lines += unmatched.map { "not compared: \($0)" }
        if !changedPredictions.isEmpty {
            lines.append("")
            lines.append("\(changedPredictions.count) sample(s) predicted differently:")
            for p in changedPredictions.prefix(listed) {
                lines.append("  \(p.benchmark) \(p.file) (label \(p.label)): \(Self.format(p.baseline, "")) -> \(Self.format(p.candidate, ""))")
            }
            if changedPredictions.count > listed { lines.append("  ... and \(changedPredictions.count - listed) more (--json lists all)") }
        }
        lines.append("")
        let regressions = changes.filter(\.regression)
        lines.append(regressions.isEmpty ? "no regression beyond the thresholds"
                     : "\(regressions.count) regression(s): " + regressions.map { "\($0.benchmark) \($0.metric.rawValue)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    private static func format(_ v: Double, _ unit: String) -> String {
        let number = v.rounded() == v && abs(v) < 1e6 ? String(Int(v)) : String(format: abs(v) >= 100 ? "%.2f" : "%.4g", v)
        return unit.isEmpty ? number : "\(number) \(unit)"
    }

    private func pad(_ cells: [String]) -> String {
        let widths = [10, 11, 18, 18, 10, 10, 0]
        return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

extension Benchmark.Metric {
    /// True for ad01's ROC AUC.
    var isAUC: Bool { if case .auc = self { true } else { false } }
}

/// Why two sessions cannot be compared.
public enum ComparisonError: Error, CustomStringConvertible, Equatable {
    case badThreshold(String)

    public var description: String {
        switch self {
        case .badThreshold(let t):
            "bad --threshold '\(t)': give a percentage for every metric (2%) or for one (\(SessionComparison.Metric.allCases.map(\.rawValue).joined(separator: "|"))=5%), 0 to 1000"
        }
    }
}
