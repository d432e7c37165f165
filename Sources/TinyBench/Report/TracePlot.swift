import Foundation

/// An SVG plot of one energy trace: average power per bucket of samples (the
/// band between each bucket's lowest and highest sample, and its mean), the
/// timestamp events, and the measured interval shaded.
public struct TracePlot {
    public let trace: EnergyTrace
    public let analysis: EnergyWindowAnalysis
    public let title: String
    /// Horizontal resolution: samples are grouped into at most this many buckets.
    public var buckets = 1000

    public init(trace: EnergyTrace, analysis: EnergyWindowAnalysis, title: String) {
        self.trace = trace
        self.analysis = analysis
        self.title = title
    }

    public func svg() -> String {
        let width = 1000.0, height = 360.0, left = 70.0, right = 20.0, top = 34.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let count = trace.energies.count
        let period = trace.samplePeriod
        let perBucket = max(1, (count + buckets - 1) / max(buckets, 1))
        var lows = [Double](), highs = [Double](), means = [Double]()
        var i = 0
        while i < count {
            let slice = trace.energies[i..<min(i + perBucket, count)].filter { !$0.isNaN }
            let watts = slice.map { $0 / period }
            lows.append(watts.min() ?? 0)
            highs.append(watts.max() ?? 0)
            means.append(watts.isEmpty ? 0 : watts.reduce(0, +) / Double(watts.count))
            i += perBucket
        }
        // Round ticks in mW and seconds.
        let powerAxis = Axis(covering: 0, max(highs.max() ?? 0, 1e-12) * 1000 * 1.05)
        let timeAxis = Axis(covering: 0, max(Double(count) * period, period))
        func x(_ sample: Int) -> Double { left + plotW * timeAxis.fraction(Double(sample) * period) }
        func y(_ watts: Double) -> Double { top + plotH * (1 - powerAxis.fraction(watts * 1000)) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="20" font-size="14">\(Self.escape(title))</text>

        """
        if let a = analysis.startSample, let b = analysis.endSample {
            s += "<rect x=\(q(x(a))) y=\(q(top)) width=\(q(x(b) - x(a))) height=\(q(plotH)) fill=\"#dbeafe\"/>\n"
            let label = analysis.microjoulesPerInference.map { String(format: "measured: %.3f uJ/inf.", $0) } ?? "measured interval"
            s += "<text x=\(q(x(a) + 4)) y=\(q(top + 14)) fill=\"#1e40af\">\(label)</text>\n"
        }
        if !means.isEmpty {
            var band = "M"
            for (k, h) in highs.enumerated() { band += " \(f(x(k * perBucket))),\(f(y(h)))" }
            for (k, l) in lows.enumerated().reversed() { band += " \(f(x(k * perBucket))),\(f(y(l)))" }
            s += "<path d=\"\(band) Z\" fill=\"#fca5a5\" stroke=\"none\"/>\n"
            let line = means.enumerated().map { "\(f(x($0.offset * perBucket))),\(f(y($0.element)))" }.joined(separator: " ")
            s += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#b91c1c\" stroke-width=\"1\"/>\n"
        }
        for (k, e) in trace.events.enumerated() {
            s += "<line x1=\(q(x(e.sampleIndex))) y1=\(q(top)) x2=\(q(x(e.sampleIndex))) y2=\(q(top + plotH)) stroke=\"#1d4ed8\" stroke-dasharray=\"4 3\"/>\n"
            // Labels near the right edge go to the left of their line.
            let nearEnd = x(e.sampleIndex) > left + plotW - 60
            s += "<text x=\(q(x(e.sampleIndex) + (nearEnd ? -3 : 3))) y=\(q(top + plotH - 4)) fill=\"#1d4ed8\"\(nearEnd ? " text-anchor=\"end\"" : "")>event \(e.number.map(String.init) ?? String(k + 1))</text>\n"
        }
        for g in trace.gaps {
            s += "<line x1=\(q(x(g.sampleIndex))) y1=\(q(top)) x2=\(q(x(g.sampleIndex))) y2=\(q(top + plotH)) stroke=\"#f59e0b\" stroke-width=\"2\"/>\n"
        }
        s += "<rect x=\(q(left)) y=\(q(top)) width=\(q(plotW)) height=\(q(plotH)) fill=\"none\" stroke=\"black\"/>\n"
        for milliwatts in powerAxis.ticks {
            s += "<text x=\(q(left - 6)) y=\(q(y(milliwatts / 1000) + 4)) text-anchor=\"end\">\(powerAxis.label(milliwatts))</text>\n"
        }
        for secs in timeAxis.ticks {
            s += "<text x=\(q(left + plotW * timeAxis.fraction(secs))) y=\(q(top + plotH + 16)) text-anchor=\"middle\">\(timeAxis.label(secs))</text>\n"
        }
        s += "<text x=\(q(left + plotW / 2)) y=\(q(height - 6)) text-anchor=\"middle\">time since the acquisition started (s)</text>\n"
        s += "<text x=\"14\" y=\(q(top + plotH / 2)) transform=\"rotate(-90 14 \(f(top + plotH / 2)))\" text-anchor=\"middle\">power (mW)</text>\n"
        s += "</svg>\n"
        return s
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private func q(_ v: Double) -> String { "\"\(f(v))\"" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
