import Foundation

/// The interface board's and the DUT's replies in an sww01 run, read as the
/// MLCommons runner reads them (`benchmark/runner/streaming_ww_utils.py`).
public enum WakewordReplies {
    /// A reply that is not what the runner expects.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// `print_detections`: `Detection Timestamps (ms)`, then one `N,` per
    /// line (the runner's `process_timestamps`; `m-ready` already taken off).
    public static func detections(_ lines: [String]) throws(Malformed) -> [Int] {
        guard lines.first == "Detection Timestamps (ms)" else {
            throw Malformed(message: "print_detections must start with 'Detection Timestamps (ms)'; it starts with '\(lines.first ?? "")'")
        }
        var values = [Int]()
        for line in lines.dropFirst() {
            // Python's int(value.strip(',')) also allows surrounding whitespace.
            let text = line.trimmingCharacters(in: CharacterSet(charactersIn: ",")).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let v = Int(text) else {
                throw Malformed(message: "print_detections: '\(line)' is not a timestamp in ms")
            }
            values.append(v)
        }
        return values
    }

    /// `print_dutycycle`: the start times (10 µs ticks, comma separated over
    /// several lines) after `Duty cycle start times`, the stop times after
    /// `Duty cycle stop times (s)` (the runner's `process_dutycycle`).
    public static func dutyCycleTicks(_ lines: [String]) throws(Malformed) -> (starts: [Int], stops: [Int]) {
        guard let first = lines.first, first.contains("Duty cycle start times") else {
            throw Malformed(message: "print_dutycycle must start with 'Duty cycle start times (s)'; it starts with '\(lines.first ?? "")'")
        }
        var starts = [Int](), stops = [Int]()
        var inStops = false
        for line in lines.dropFirst() {
            if line.contains("Duty cycle stop times (s)") {
                inStops = true
                continue
            }
            for field in line.replacingOccurrences(of: "m-ready", with: "").trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
                let text = String(field).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { continue }
                guard let v = Int(text) else { throw Malformed(message: "print_dutycycle: '\(text)' is not a tick count") }
                if inStops { stops.append(v) } else { starts.append(v) }
            }
        }
        return (starts, stops)
    }

    /// The DUT's `stop` reply: the int8 wakeword scores printed after
    /// `target activations:` between `[` and `]` (the runner's
    /// `array_from_strings`); nil when there are none, as the runner then
    /// goes on with an empty list.
    public static func activations(_ lines: [String]) throws(Malformed) -> [Int]? {
        let text = lines.joined()
        guard let header = text.range(of: "target activations:") else { return nil }
        let rest = text[header.upperBound...]
        guard let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") else { return nil }
        var values = [Int]()
        for field in rest[rest.index(after: open)..<close].split(separator: ",") {
            let t = String(field).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { continue }
            guard let v = Int(t) else { throw Malformed(message: "stop: activation '\(t)' is not an integer") }
            values.append(v)
        }
        return values
    }
}
