/// The energy of one window from its trace, by the MLPerf Tiny rule: the
/// samples between the two timestamp events that bracket the timed
/// inferences, divided by their number. Whatever makes the figure
/// untrustworthy is listed in `problems` instead of being smoothed over.
public struct EnergyWindowAnalysis: Sendable, Codable, Equatable {
    public var startSample: Int?
    public var endSample: Int?
    public var seconds: Double?
    public var joules: Double?
    public var microjoulesPerInference: Double?
    public var averagePowerWatts: Double?
    public var problems: [String]

    public var valid: Bool { problems.isEmpty && microjoulesPerInference != nil }

    public init(trace: EnergyTrace, inferences: Int, minimumSeconds: Double) {
        problems = []
        let events = trace.events
        guard events.count == 2 else {
            problems.append(events.count < 2
                ? "lost timestamp event: \(events.count) of the 2 edges that bracket the timed inferences arrived"
                : "\(events.count) timestamp events where 2 bracket the timed inferences")
            return
        }
        if let a = events[0].number, let b = events[1].number, b != a + 1 {
            problems.append("timestamp events \(a) and \(b) are not consecutive: an event was lost")
        }
        let start = events[0].sampleIndex, end = events[1].sampleIndex
        guard end > start, end <= trace.energies.count else {
            problems.append("the timestamp events do not enclose any samples")
            return
        }
        startSample = start
        endSample = end
        let dropped = trace.gaps.filter { $0.sampleIndex > start && $0.sampleIndex <= end }.reduce(0) { $0 + $1.missing }
        if dropped > 0 { problems.append("\(dropped) sample(s) dropped between the timestamps") }
        let window = trace.energies[start..<end]
        let unreadable = window.filter(\.isNaN).count
        if unreadable > 0 { problems.append("\(unreadable) unreadable sample(s) between the timestamps") }
        let seconds = Double(end - start) * trace.samplePeriod
        if seconds < minimumSeconds {
            problems.append("window of \(String(format: "%.3f", seconds)) s is shorter than \(minimumSeconds) s")
        }
        let joules = window.reduce(0) { $0 + ($1.isNaN ? 0 : $1) }
        self.seconds = seconds
        self.joules = joules
        microjoulesPerInference = joules / Double(max(inferences, 1)) * 1e6
        averagePowerWatts = joules / seconds
    }
}
