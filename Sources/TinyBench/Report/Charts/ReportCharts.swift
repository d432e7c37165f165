import Foundation

/// The report's charts, each a self-contained SVG with an id.
enum ReportCharts {
    /// Throughput of each performance window as bars, the median as a line.
    static func windows(id: String, _ windows: [PerformanceWindow], median: Double?) -> String {
        let values = windows.map(\.throughput)
        let frame = PlotFrame(x: Axis(covering: 0, Double(max(values.count, 1)), ticks: max(values.count, 1)),
                              y: Axis(covering: 0, (values.max() ?? 1) * 1.05), xTitle: "window", yTitle: "inferences per second")
        var body = frame.axes(xLabels: values.indices.map { (Double($0) + 0.5, String($0 + 1)) })
        let slot = frame.plotWidth / Double(max(values.count, 1))
        for (k, v) in values.enumerated() {
            body += SVG.rect(frame.left + slot * (Double(k) + 0.2), frame.py(v), slot * 0.6, frame.py(0) - frame.py(v),
                             "class=\"bar\" fill=\"#2563eb\"")
        }
        if let median {
            body += SVG.line(frame.left, frame.py(median), frame.left + frame.plotWidth, frame.py(median),
                             "stroke=\"#dc2626\" stroke-dasharray=\"5 3\"")
            body += SVG.text(frame.left + frame.plotWidth - 4, frame.py(median) - 4, String(format: "median %.3f inf./s", median),
                             anchor: "end", extra: "fill=\"#dc2626\"")
        }
        return SVG.document(id: id, title: "throughput of each performance window", width: frame.width, height: frame.height, body)
    }

    /// Latency of each window (window time / inferences) as points on a
    /// latency axis, with the median: how far the windows spread.
    static func latency(id: String, _ windows: [PerformanceWindow]) -> String {
        let ms = windows.map { $0.seconds / Double(max($0.inferences, 1)) * 1000 }
        let low = ms.min() ?? 0, high = ms.max() ?? 1
        let pad = max((high - low) * 0.2, high * 0.001, 1e-6)
        var frame = PlotFrame(x: Axis(covering: low - pad, high + pad), y: Axis(covering: 0, 1, ticks: 1),
                              xTitle: "latency per inference (ms)", yTitle: "")
        frame.height = 150
        var body = ""
        for t in frame.x.ticks {
            body += SVG.line(frame.px(t), frame.top, frame.px(t), frame.top + frame.plotHeight, "stroke=\"#e5e7eb\"")
            body += SVG.text(frame.px(t), frame.top + frame.plotHeight + 16, frame.x.label(t), anchor: "middle")
        }
        body += SVG.rect(frame.left, frame.top, frame.plotWidth, frame.plotHeight, "fill=\"none\" stroke=\"#374151\"")
        body += SVG.text(frame.left + frame.plotWidth / 2, frame.height - 6, frame.xTitle, anchor: "middle")
        for (k, v) in ms.enumerated() {
            let y = frame.top + frame.plotHeight * (Double(k) + 1) / Double(ms.count + 1)
            body += "<circle class=\"point\" cx=\"\(SVG.n(frame.px(v)))\" cy=\"\(SVG.n(y))\" r=\"5\" fill=\"#2563eb\"><title>window \(k + 1): \(String(format: "%.4f", v)) ms</title></circle>\n"
        }
        let sorted = ms.sorted()
        if !sorted.isEmpty {
            let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            body += SVG.line(frame.px(median), frame.top, frame.px(median), frame.top + frame.plotHeight, "stroke=\"#dc2626\" stroke-dasharray=\"5 3\"")
        }
        return SVG.document(id: id, title: "latency of each performance window", width: frame.width, height: frame.height, body)
    }

    /// `confusion[label][predicted]` as a grid of shaded cells with counts, classes named.
    static func confusion(id: String, _ confusion: [[Int]], names: [String]) -> String {
        let n = confusion.count
        let cell = n > 10 ? 34.0 : 40.0, left = 110.0, top = 100.0
        let size = cell * Double(n)
        let peak = Double(max(confusion.flatMap { $0 }.max() ?? 1, 1))
        var body = SVG.text(left + size / 2, 14, "predicted", anchor: "middle")
        body += SVG.text(12, top + size / 2, "true class", anchor: "middle", extra: "transform=\"rotate(-90 12 \(SVG.n(top + size / 2)))\"")
        for (k, name) in names.prefix(n).enumerated() {
            let cx = left + cell * (Double(k) + 0.5)
            body += SVG.text(cx, top - 6, name, anchor: "start", extra: "transform=\"rotate(-60 \(SVG.n(cx)) \(SVG.n(top - 6)))\" font-size=\"11\"")
            body += SVG.text(left - 6, top + cell * (Double(k) + 0.6), name, anchor: "end", extra: "font-size=\"11\"")
        }
        for (r, row) in confusion.enumerated() {
            for (c, count) in row.enumerated() {
                let share = Double(count) / peak
                let fill = r == c ? "rgba(37,99,235,\(String(format: "%.3f", 0.08 + 0.92 * share)))" : "rgba(220,38,38,\(String(format: "%.3f", count == 0 ? 0 : 0.15 + 0.85 * share)))"
                body += SVG.rect(left + cell * Double(c), top + cell * Double(r), cell, cell, "class=\"cell\" fill=\"\(fill)\" stroke=\"#d1d5db\"")
                if count > 0 {
                    body += SVG.text(left + cell * (Double(c) + 0.5), top + cell * (Double(r) + 0.62), String(count), anchor: "middle",
                                     extra: "font-size=\"11\" fill=\"\(share > 0.6 ? "white" : "#111827")\"")
                }
            }
        }
        return SVG.document(id: id, title: "confusion matrix (rows: true class, columns: predicted)", width: left + size + 20,
                            height: top + size + 20, body)
    }

    /// The ROC curve of anomaly scores (label 1 positive), ties taken together as scikit-learn does, with the AUC.
    static func roc(id: String, labels: [Int], scores: [Double], auc: Double?) -> String {
        var frame = PlotFrame(x: Axis(covering: 0, 1), y: Axis(covering: 0, 1), xTitle: "false positive rate", yTitle: "true positive rate")
        frame.width = 420
        frame.height = 400
        let points = rocPoints(labels: labels, scores: scores)
        var body = frame.axes()
        body += SVG.line(frame.px(0), frame.py(0), frame.px(1), frame.py(1), "stroke=\"#9ca3af\" stroke-dasharray=\"4 4\"")
        let path = points.map { "\(SVG.n(frame.px($0.0))),\(SVG.n(frame.py($0.1)))" }.joined(separator: " ")
        body += "<polyline class=\"roc\" points=\"\(path)\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\"/>\n"
        if let auc { body += SVG.text(frame.px(0.95), frame.py(0.05), String(format: "AUC = %.4f", auc), anchor: "end") }
        return SVG.document(id: id, title: "ROC curve of the anomaly scores", width: frame.width, height: frame.height, body)
    }

    /// (false positive rate, true positive rate) at every distinct score threshold, from (0, 0) to (1, 1).
    static func rocPoints(labels: [Int], scores: [Double]) -> [(Double, Double)] {
        let pairs = zip(labels, scores).filter { !$0.1.isNaN }.sorted { $0.1 > $1.1 }
        let positives = Double(pairs.filter { $0.0 == 1 }.count), negatives = Double(pairs.count) - positives
        guard positives > 0, negatives > 0 else { return [(0, 0), (1, 1)] }
        var points = [(0.0, 0.0)]
        var tp = 0.0, fp = 0.0, i = 0
        while i < pairs.count {
            let score = pairs[i].1
            while i < pairs.count && pairs[i].1 == score {
                if pairs[i].0 == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append((fp / negatives, tp / positives))
        }
        return points
    }
}
