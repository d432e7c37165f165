import Foundation

/// What ``UARTWakewordStream`` needs of a DUT connection: commands with a
/// timeout, input transfers, and the transfer negotiation. ``DUTClient``
/// provides it; tests give a scripted one.
public protocol WakewordStreamLink: AnyObject {
    /// Sends `text%` and returns the reply's lines before `m-ready` (an
    /// `e-[...]` line thrown as ``DUTError/deviceError(command:message:)``),
    /// waiting at most `timeout` seconds (the link's line timeout when nil).
    func command(_ text: String, timeout: Double?) throws(DUTError) -> [String]
    /// Loads `bytes` into the DUT's input buffer (`db load N` + data, or
    /// binary blocks when negotiated), up to `m-load-done`.
    func loadInput(_ bytes: [UInt8]) throws(DUTError)
    /// Switches ``loadInput(_:)`` to binary blocks when the DUT announces
    /// them (and `binary` allows); returns the transfer in use.
    @discardableResult
    func negotiateTransfer(binary: Bool) -> InputTransfer
}

extension DUTClient: WakewordStreamLink {
    public func loadInput(_ bytes: [UInt8]) throws(DUTError) {
        try load(bytes)
    }
}

/// Streams 16 kHz PCM16 mono audio to an sww01 DUT over its serial line, hop
/// by hop, as the MLPerf Tiny reference DUT's `extract_uart_stream` command
/// takes it (`th_extract_features_on_chunk`): each hop of 512 samples is
/// loaded as 1,024 little-endian bytes (`db load 1024` + data), then
/// `extract_uart_stream%` makes the DUT slide its 1,024-sample block, compute
/// the hop's 40 int8 log-mel features, append them to its 30 × 40 model input
/// and run the model; it answers
///
///     m-features-[ +12,  -3, ...]          (40 values, C "%+3d", ", " between)
///     m-activations-[+127, -128, -127]     (the 3 int8 outputs)
///     m-ready
///
/// This is the UART path of the reference DUT (no I2S, no interface board):
/// the way to check a DUT's front end and model frame by frame against
/// TinyBench's (`StreamingFrontEnd` + TinyRuntime). The TinyBench firmware
/// answers it when built for sww01 (Docs/firmware.md); `start` zeroes its
/// stream state first, and between ``start()`` and ``stop()`` each hop is
/// also a streamed frame (pins, activation log; ``pinEvents()`` reads the
/// pins back). The reference firmware's own `db` replies differ from
/// the EEMBC ones ``DUTClient`` expects, so against it the hex transfer fails
/// at `db load`.
public struct UARTWakewordStream {
    /// One frame's answer.
    public struct Frame: Sendable, Equatable {
        /// The frame's number since `start` (0 = the first hop sent).
        public var index: Int
        /// The 40 features the DUT computed for the hop (the model input's new last row).
        public var features: [Int8]
        /// The model's 3 int8 outputs; `activations[0]` is the wakeword score.
        public var activations: [Int8]

        public init(index: Int, features: [Int8], activations: [Int8]) {
            self.index = index
            self.features = features
            self.activations = activations
        }

        /// The DUT's detection rule: `out[0] > 115` (0.95 dequantised).
        public var isDetection: Bool { activations.first.map { $0 > UARTWakewordStream.threshold } ?? false }
    }

    /// Why a stream step failed, with the frame it was for.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// A hop must be exactly 512 samples.
        case hopLength(frame: Int, samples: Int)
        /// The DUT's reply to `extract_uart_stream` is not two well-formed lines.
        case malformedReply(frame: Int, reason: String, lines: [String])
        /// The DUT's reply to `stop` or `tb-pins` does not parse.
        case malformedStreamReply(command: String, reason: String)
        /// The link failed (timeout, `e-[...]`, reset) while sending `command` for `frame` (nil: `start`).
        case link(frame: Int?, command: String, DUTError)

        public var description: String {
            switch self {
            case let .hopLength(frame, samples):
                "sww01 frame \(frame): a hop is \(UARTWakewordStream.hopSamples) samples, got \(samples)"
            case let .malformedReply(frame, reason, lines):
                "sww01 frame \(frame): malformed reply to '\(UARTWakewordStream.extractCommand)': \(reason); the DUT sent "
                    + (lines.isEmpty ? "no lines" : lines.prefix(4).map { "'\($0.prefix(300))'" }.joined(separator: ", "))
            case let .malformedStreamReply(command, reason):
                "sww01 '\(command)': \(reason)"
            case let .link(frame, command, error):
                (frame.map { "sww01 frame \($0)" } ?? (command == UARTWakewordStream.startCommand ? "sww01 start" : "sww01")) + ", '\(command)': \(error)"
            }
        }
    }

    public static let hopSamples = 512
    public static let featureCount = 40
    public static let activationCount = 3
    /// The detection threshold on `out[0]` (the reference DUT's `SWW_DETECT_THRESHOLD`).
    public static let threshold: Int8 = 115
    public static let extractCommand = "extract_uart_stream"
    public static let startCommand = "start"
    public static let stopCommand = "stop"
    /// The reference DUT's reply to `start` while it is streaming (it ignores the request).
    public static let alreadyStreaming = "I2S Rx currently in progress"

    public let link: any WakewordStreamLink
    /// Seconds to wait for one `extract_uart_stream` reply (the front end and one inference on the DUT).
    public var timeout: Double
    /// Frames sent since ``start()`` (or since this value was made).
    public private(set) var framesSent = 0

    /// A stream over `link`; negotiates binary blocks for the hops when the
    /// DUT announces them and `binary` is true.
    public init(link: any WakewordStreamLink, timeout: Double = 30, binary: Bool = true) {
        self.link = link
        self.timeout = timeout
        link.negotiateTransfer(binary: binary)
    }

    /// `start%`: the DUT zeroes its sample block, pre-emphasis carry and model
    /// input, so the next hop is frame 0. A DUT already streaming ignores
    /// `start` (as the reference does); it is then sent `stop` and `start`
    /// again, as the runner sends `stop` before every `start`.
    public mutating func start() throws(Failure) {
        if try command(Self.startCommand, timeout: nil).contains(where: { $0.contains(Self.alreadyStreaming) }) {
            _ = try command(Self.stopCommand, timeout: timeout)
            _ = try command(Self.startCommand, timeout: nil)
        }
        framesSent = 0
    }

    /// `stop%`: ends the stream and returns the DUT's `target activations:`
    /// (out[0] of every frame since ``start()``); nil when the DUT was not
    /// streaming (`I2S is already idle.  Ignoring stop request`).
    public func stop() throws(Failure) -> [Int8]? {
        let lines = try command(Self.stopCommand, timeout: timeout)
        let values: [Int]?
        do {
            values = try WakewordReplies.activations(lines)
        } catch {
            throw .malformedStreamReply(command: Self.stopCommand, reason: error.message)
        }
        guard let values else {
            if lines.contains(where: { $0.contains("already idle") }) { return nil }
            throw .malformedStreamReply(command: Self.stopCommand, reason: "no 'target activations:' list in "
                                        + lines.prefix(4).map { "'\($0.prefix(100))'" }.joined(separator: ", "))
        }
        var result = [Int8]()
        for v in values {
            guard let a = Int8(exactly: v) else {
                throw .malformedStreamReply(command: Self.stopCommand, reason: "activation \(v) is not an int8")
            }
            result.append(a)
        }
        return result
    }

    /// `tb-pins%` (TinyBench's extension): the pin events the DUT logged since
    /// ``start()`` or the previous read; the DUT's log is empty afterwards.
    public func pinEvents() throws(Failure) -> WakewordPinEvents {
        let lines = try command(WakewordPinEvents.command, timeout: timeout)
        do {
            return try WakewordPinEvents.parse(lines)
        } catch {
            throw .malformedStreamReply(command: WakewordPinEvents.command, reason: error.message)
        }
    }

    private func command(_ text: String, timeout: Double?) throws(Failure) -> [String] {
        do {
            return try link.command(text, timeout: timeout)
        } catch {
            throw .link(frame: nil, command: text, error)
        }
    }

    /// Sends one hop of 512 samples and returns the DUT's frame.
    public mutating func send(hop: some Collection<Int16>) throws(Failure) -> Frame {
        let index = framesSent
        guard hop.count == Self.hopSamples else { throw .hopLength(frame: index, samples: hop.count) }
        let bytes = Self.hopBytes(hop)
        do {
            try link.loadInput(bytes)
        } catch {
            throw .link(frame: index, command: "db load \(bytes.count)", error)
        }
        let lines: [String]
        do {
            lines = try link.command(Self.extractCommand, timeout: timeout)
        } catch {
            throw .link(frame: index, command: Self.extractCommand, error)
        }
        framesSent += 1
        return try Self.parse(lines, frame: index)
    }

    /// Sends the whole hops of `samples` (at most `frames` of them), one
    /// frame at a time; `progress` gets each frame as it arrives.
    public mutating func stream(_ samples: [Int16], frames: Int? = nil,
                                progress: ((Frame) -> Void)? = nil) throws(Failure) -> [Frame] {
        let whole = samples.count / Self.hopSamples
        let count = min(whole, max(frames ?? whole, 0))
        var result = [Frame]()
        result.reserveCapacity(count)
        for k in 0..<count {
            let frame = try send(hop: samples[(k * Self.hopSamples)..<((k + 1) * Self.hopSamples)])
            progress?(frame)
            result.append(frame)
        }
        return result
    }

    /// A hop as the DUT reads it: little-endian int16.
    public static func hopBytes(_ hop: some Collection<Int16>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(2 * hop.count)
        for s in hop {
            let u = UInt16(bitPattern: s)
            bytes.append(UInt8(u & 0xFF))
            bytes.append(UInt8(u >> 8))
        }
        return bytes
    }

    /// The frame in the lines of an `extract_uart_stream` reply (before
    /// `m-ready`): exactly one `m-features-[...]` line of 40 values and one
    /// `m-activations-[...]` line of 3, each an integer in -128 ... 127;
    /// other lines are ignored.
    public static func parse(_ lines: [String], frame: Int) throws(Failure) -> Frame {
        func list(_ prefix: String, _ count: Int) throws(Failure) -> [Int8] {
            let matching = lines.filter { $0.hasPrefix(prefix) }
            guard matching.count == 1 else {
                throw .malformedReply(frame: frame, reason: matching.isEmpty ? "no \(prefix)...] line"
                                      : "\(matching.count) \(prefix)...] lines", lines: lines)
            }
            let line = matching[0]
            guard line.hasSuffix("]") else {
                throw .malformedReply(frame: frame, reason: "\(prefix)... does not end with ']'", lines: lines)
            }
            let body = line.dropFirst(prefix.count).dropLast()
            let items = body.split(separator: ",", omittingEmptySubsequences: false)
            guard items.count == count else {
                throw .malformedReply(frame: frame, reason: "\(prefix)...] holds \(items.count) values, expected \(count)", lines: lines)
            }
            var values = [Int8]()
            values.reserveCapacity(count)
            for (i, item) in items.enumerated() {
                let text = item.trimmingCharacters(in: .whitespaces)
                // `%+3d`: an optional sign and 1 to 3 digits; Int8's parser checks the range.
                let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
                guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                      let value = Int8(text) else {
                    throw .malformedReply(frame: frame, reason: "value \(i) of \(prefix)...] is '\(item)', not an int8", lines: lines)
                }
                values.append(value)
            }
            return values
        }
        let features = try list("m-features-[", featureCount)
        let activations = try list("m-activations-[", activationCount)
        return Frame(index: frame, features: features, activations: activations)
    }
}
