import Foundation

extension ReportCharts {
    /// One sww01 stream on a time axis (seconds after the sync marker): each
    /// truth window shaded (darker from its start to its end, lighter for the
    /// 2 s after it that the runner's scoring still credits), the DUT's
    /// wakeword score per frame as a line (when every frame was processed,
    /// so frame k is k × 32 ms after the marker), and every detection as a
    /// tick: red when scored a false positive, green otherwise.
    static func wakewordTimeline(id: String, _ s: WakewordStreamStep.Outcome) -> String {
        let marker = s.detectionsMilliseconds.first ?? 0
        let detections = s.detectionsMilliseconds.dropFirst().map { Double($0 - marker) / 1000 }
        var frame = PlotFrame(x: Axis(covering: 0, max(s.lengthSeconds, detections.max() ?? 0), ticks: 10),
                              y: Axis(covering: -128, 128, ticks: 8), xTitle: "seconds after the sync pulse",
                              yTitle: "wakeword score (int8)")
        frame.width = 960
        var body = frame.axes()
        let extra = WakewordDetectionScore.suppressionDelaySeconds * 2
        for w in s.windows {
            body += SVG.rect(frame.px(w.stop), frame.top, frame.px(min(w.stop + extra, frame.x.upper)) - frame.px(w.stop), frame.plotHeight,
                             "fill=\"#dcfce7\"")
            body += SVG.rect(frame.px(w.start), frame.top, frame.px(w.stop) - frame.px(w.start), frame.plotHeight, "fill=\"#86efac\"")
        }
        let hop = 0.032
        if !s.activations.isEmpty, abs(Double(s.activations.count) * hop - s.lengthSeconds) < 1 {
            let points = s.activations.enumerated().map { "\(SVG.n(frame.px(Double($0.offset) * hop))),\(SVG.n(frame.py(Double($0.element))))" }
            body += "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        body += SVG.line(frame.left, frame.py(Double(UARTWakewordStream.threshold)), frame.left + frame.plotWidth,
                         frame.py(Double(UARTWakewordStream.threshold)), "stroke=\"#6b7280\" stroke-dasharray=\"4 3\"")
        let falsePositives = Set(s.score.falsePositives)
        for t in detections {
            let color = falsePositives.contains(t) ? "#dc2626" : "#15803d"
            body += SVG.line(frame.px(t), frame.top, frame.px(t), frame.top + 10, "stroke=\"\(color)\" stroke-width=\"2\"")
        }
        return SVG.document(id: id, title: "detections of \(s.stream) against its truth windows", width: frame.width, height: frame.height, body)
    }
}
