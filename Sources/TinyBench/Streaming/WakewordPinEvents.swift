import Foundation

/// The sww01 DUT's pin events as its `tb-pins` extension reports them
/// (Docs/protocol.md): the TinyBench firmware and the emulated reference DUT
/// log every edge of the processing and wakeword pins and every timestamp
/// pulse with their own microsecond clock, so a DUT whose pins nobody watches
/// (QEMU) can still be checked. The MLCommons reference firmware has no such
/// command.
///
///     tb-pins%
///     m-pins-[ts@1200,proc-hi@1350,ww@10200,proc-lo@10201,proc-hi@11020,proc-lo@19800]
///     m-pins-total-6-dropped-0
///     m-ready
///
/// At most 8 events a line; the DUT empties its log after answering, and
/// counts events it had no room for as dropped (the firmware holds 1,024).
public struct WakewordPinEvents: Sendable, Equatable {
    /// What happened on which line.
    public enum Kind: String, Sendable, CaseIterable {
        /// A pulse on the timestamp line (`start` and `stop`: the energy measurement's bounds).
        case timestamp = "ts"
        /// The processing pin went high: a frame's processing began.
        case processingHigh = "proc-hi"
        /// The wakeword pin's low pulse began (the interface board timestamps this falling edge).
        case wakeword = "ww"
        /// The processing pin went low: the frame's processing ended.
        case processingLow = "proc-lo"
    }

    /// One event: its kind and the DUT's clock (µs, wrapping at 2^32) when it happened.
    public struct Event: Sendable, Equatable, CustomStringConvertible {
        public var kind: Kind
        public var microseconds: UInt32

        public init(_ kind: Kind, _ microseconds: UInt32) {
            self.kind = kind
            self.microseconds = microseconds
        }

        public var description: String { "\(kind.rawValue)@\(microseconds)" }
    }

    /// A `tb-pins` reply that does not follow the format above.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static let command = ProtocolExtension.pins.rawValue
    /// Events a reply line holds at most.
    public static let eventsPerLine = 8

    /// The events, oldest first.
    public var events: [Event]
    /// Events the DUT had no room for since the previous read (the newest ones).
    public var dropped: Int

    public init(events: [Event], dropped: Int = 0) {
        self.events = events
        self.dropped = dropped
    }

    /// The reply lines (before `m-ready`) a DUT sends for these events.
    public var replyLines: [String] {
        stride(from: 0, to: events.count, by: Self.eventsPerLine).map { i in
            ProtocolExtension.pins.replyPrefix + events[i..<min(i + Self.eventsPerLine, events.count)].map(\.description).joined(separator: ",") + "]"
        } + ["m-pins-total-\(events.count)-dropped-\(dropped)"]
    }

    /// The events of a `tb-pins` reply (`m-ready` taken off; other lines are
    /// ignored, as the reference-style echo `Received command: ...`): every
    /// `m-pins-[...]` line of 1 to 8 `NAME@US` items, then exactly one
    /// `m-pins-total-N-dropped-D` line whose N is the number of events read.
    public static func parse(_ lines: [String]) throws(Malformed) -> WakewordPinEvents {
        let prefix = ProtocolExtension.pins.replyPrefix, totalPrefix = "m-pins-total-"
        var events = [Event]()
        var total: (count: Int, dropped: Int)?
        for line in lines {
            if line.hasPrefix(totalPrefix) {
                guard total == nil else { throw Malformed(message: "tb-pins: two total lines ('\(line.prefix(80))')") }
                let fields = line.dropFirst(totalPrefix.count).split(separator: "-", omittingEmptySubsequences: false)
                guard fields.count == 3, fields[1] == "dropped", let n = decimal(fields[0]), let d = decimal(fields[2]) else {
                    throw Malformed(message: "tb-pins: '\(line.prefix(80))' is not m-pins-total-N-dropped-D")
                }
                total = (n, d)
            } else if line.hasPrefix(prefix) {
                guard total == nil else { throw Malformed(message: "tb-pins: events after the total line") }
                guard line.hasSuffix("]") else { throw Malformed(message: "tb-pins: '\(line.prefix(80))' does not end with ']'") }
                let items = line.dropFirst(prefix.count).dropLast().split(separator: ",", omittingEmptySubsequences: false)
                guard (1...eventsPerLine).contains(items.count) else {
                    throw Malformed(message: "tb-pins: \(items.count) events on one line, 1 to \(eventsPerLine) expected")
                }
                for item in items {
                    let parts = item.split(separator: "@", omittingEmptySubsequences: false)
                    guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])),
                          let us = decimal(parts[1]), let value = UInt32(exactly: us) else {
                        throw Malformed(message: "tb-pins: '\(item.prefix(40))' is not NAME@MICROSECONDS (ts, proc-hi, ww, proc-lo)")
                    }
                    events.append(Event(kind, value))
                }
            }
        }
        guard let total else { throw Malformed(message: "tb-pins: no m-pins-total-N-dropped-D line") }
        guard total.count == events.count else {
            throw Malformed(message: "tb-pins: the DUT counts \(total.count) events, \(events.count) were read")
        }
        return WakewordPinEvents(events: events, dropped: total.dropped)
    }

    /// A plain decimal of 1 to 10 digits (no sign, no spaces).
    private static func decimal(_ text: Substring) -> Int? {
        guard (1...10).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
