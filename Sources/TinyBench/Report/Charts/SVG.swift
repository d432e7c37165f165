import Foundation

/// The few SVG pieces the report's charts are made of, written as text.
enum SVG {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    /// An `<svg>` element with an id, a title for screen readers, and a viewBox that scales.
    static func document(id: String, title: String, width: Double, height: Double, _ body: String) -> String {
        """
        <svg id="\(id)" class="chart" xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(n(width)) \(n(height))" role="img" aria-label="\(escape(title))">
        <title>\(escape(title))</title>
        \(body)</svg>
        """
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", extra: String = "") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\"\(extra.isEmpty ? "" : " " + extra)>\(escape(s))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ style: String) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" \(style)/>\n"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ style: String) -> String {
        "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(w, 0)))\" height=\"\(n(max(h, 0)))\" \(style)/>\n"
    }
}

/// A plot area with round-valued axes: maps data to SVG coordinates and
/// draws the frame, grid, ticks and axis titles.
struct PlotFrame {
    var width = 640.0, height = 300.0
    var left = 64.0, right = 16.0, top = 16.0, bottom = 44.0
    let x: Axis
    let y: Axis
    let xTitle: String
    let yTitle: String

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    func px(_ v: Double) -> Double { left + plotWidth * x.fraction(v) }
    func py(_ v: Double) -> Double { top + plotHeight * (1 - y.fraction(v)) }

    /// Grid lines, tick labels and axis titles; `xLabels` replaces the numeric x ticks (category charts).
    func axes(xLabels: [(Double, String)]? = nil) -> String {
        var s = ""
        for t in y.ticks {
            s += SVG.line(left, py(t), left + plotWidth, py(t), "stroke=\"#e5e7eb\"")
            s += SVG.text(left - 6, py(t) + 4, y.label(t), anchor: "end")
        }
        for (v, label) in xLabels ?? x.ticks.map({ ($0, x.label($0)) }) {
            s += SVG.text(px(v), top + plotHeight + 16, label, anchor: "middle")
        }
        s += SVG.rect(left, top, plotWidth, plotHeight, "fill=\"none\" stroke=\"#374151\"")
        s += SVG.text(left + plotWidth / 2, height - 6, xTitle, anchor: "middle")
        s += SVG.text(14, top + plotHeight / 2, yTitle, anchor: "middle",
                      extra: "transform=\"rotate(-90 14 \(SVG.n(top + plotHeight / 2)))\"")
        return s
    }
}
