import Foundation
import TinyBench
import TinyRuntime

/// The MLPerf Tiny sww01 reference DUT (`sww_ref_l4r5zi`), emulated: its
/// command set (`name`, `profile`, `db`, `start`, `stop`,
/// `extract_uart_stream`, `timestamp`, `help`), its streaming path on I2S
/// frames handed over by an emulated interface board, and its three pins
/// (processing, wakeword, timestamp) as edges on a virtual clock.
///
/// As the reference firmware, it echoes every command (`Received command:
/// …`) and ends every reply with `m-ready`. A frame costs the board profile's
/// modelled inference time plus its modelled front-end time: the duty cycle
/// and throughput it produces are emulated figures.
///
/// Between `start` and `stop`, an `extract_uart_stream` hop is also a
/// streamed frame (pins, activation log), as in the TinyBench firmware, and
/// TinyBench's `tb-pins` extension reads the logged pin edges back
/// (``WakewordPinEvents``), so the two DUTs can be compared edge for edge.
public final class EmulatedWakewordDUT: SerialDevice, LabDUT {
    /// The reference firmware's version string (`m-profile-[…]`).
    public static let firmwareVersion = "MLPerf Tiny Firmware V0.1.0"
    public static let modelName = "sww01"
    /// Samples of one I2S frame (a 32 ms hop at 16 kHz).
    public static let frameSamples = StreamingFrontEnd.hopLength
    /// The UART streaming command's input: one hop of little-endian int16 samples.
    public static let uartHopBytes = 2 * StreamingFrontEnd.hopLength
    /// Frames whose out[0] `stop` can print: the reference's 64,000-byte activation buffer.
    public static let activationCapacity = 64_000
    /// Pin events held between two `tb-pins` reads, as the firmware.
    public static let pinEventCapacity = 1024

    /// A pin edge on the DUT's clock (µs).
    public struct PinEdge: Sendable, Equatable {
        public enum Pin: Sendable, Equatable {
            /// The processing pin (duty cycle): high while a frame is processed.
            case processingRising, processingFalling
            /// The wakeword pin's 1 µs low pulse; the board timestamps its falling edge.
            case wakeword
        }
        public var pin: Pin
        public var microseconds: Double
    }

    public let profile: BoardProfile
    public let vendor: String
    public let baud: Int
    /// Emulated µs of one frame: the model's inference by the profile's cost model plus the front end's.
    public let inferenceMicroseconds: Double
    public var onActivity: ((EmulatedDUT.Activity) -> Void)?
    /// Virtual time since power-on, in microseconds.
    public private(set) var clockMicroseconds = 0.0
    /// Whether the DUT is streaming (between `start` and `stop`).
    public private(set) var isDetecting = false
    /// The wakeword score of every frame since `start` (printed by `stop`).
    public private(set) var activations = [Int8]()

    private var detector: WakewordDetector
    /// The UART path (`extract_uart_stream`) keeps its own front end, as the
    /// reference keeps separate state for it (zeroed on its first call).
    private var uartDetector: WakewordDetector
    private var uartCalls = 0
    /// The `tb-pins` log since `start` or the last read, and what did not fit.
    private var pinLog = [WakewordPinEvents.Event]()
    private var pinsDropped = 0
    private var input = DUTInputBuffer()
    private var reader = DUTCommandReader(binaryBlocks: true)

    public init(model: Model, profile: BoardProfile = .nucleoL4R5ZIOptimized, vendor: String = "ML Commons",
                baud: Int? = nil) throws {
        detector = try WakewordDetector(model: model)
        uartDetector = detector
        self.profile = profile
        self.vendor = vendor
        self.baud = baud ?? profile.baud
        inferenceMicroseconds = profile.inferenceMicroseconds(model) + profile.cost.cyclesPerWakewordHop / profile.clockHz * 1e6
    }

    /// What the firmware prints at power-on.
    public func boot() -> [UInt8] {
        charge(["m-init-done", "m-ready"])
    }

    /// A reset: streaming stops, buffers and any partial command are lost.
    public func reset() -> [UInt8] {
        reader.reset()
        input.clear()
        isDetecting = false
        activations = []
        uartCalls = 0
        pinLog = []
        pinsDropped = 0
        onActivity?(.reset(from: clockMicroseconds, to: 0))
        clockMicroseconds = 0
        return boot()
    }

    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        for byte in bytes {
            advance(byBytes: 1)
            switch reader.feed(byte) {
            case .command(let line)?: out += charge(respond(line))
            case let .block(header, text, data)?: out += charge(input.storeBlock(header, text: text, data) + ["m-ready"])
            case nil: break
            }
        }
        return out
    }

    public func poll() -> [UInt8] { [] }

    /// What this DUT is, every field saying it is emulated.
    public var device: DeviceDescription {
        var d = profile.deviceDescription
        d.summary = "emulated sww01 DUT (TinyRuntime + cost model of \(profile.name))"
        return d
    }

    // MARK: - I2S

    /// The I2S DMA completes frame `hop` (the left channel of 512 stereo
    /// samples) at `readyAt` on the DUT's clock: while detecting, the DUT
    /// processes it (after the previous frame if that is still running) and
    /// returns its pin edges; otherwise the frame is not received.
    public func i2sFrame(_ hop: [Int16], readyAt: Double) throws -> [PinEdge] {
        guard isDetecting else { return [] }
        let start = max(clockMicroseconds, readyAt)
        let frame = try detector.process(hop)
        let end = start + inferenceMicroseconds
        clockMicroseconds = end
        onActivity?(.busy(start: start, end: end))
        return streamedFrame(frame, start: start, end: end)
    }

    /// A streamed frame's activation log entry and pin edges, processed from `start` to `end`.
    private func streamedFrame(_ frame: WakewordDetector.Frame, start: Double, end: Double) -> [PinEdge] {
        if activations.count < Self.activationCapacity { activations.append(frame.score) }
        var edges = [PinEdge(pin: .processingRising, microseconds: start)]
        if frame.pulses { edges.append(PinEdge(pin: .wakeword, microseconds: end - 1)) }
        edges.append(PinEdge(pin: .processingFalling, microseconds: end))
        for edge in edges {
            switch edge.pin {
            case .processingRising: logPin(.processingHigh, edge.microseconds)
            case .wakeword: logPin(.wakeword, edge.microseconds)
            case .processingFalling: logPin(.processingLow, edge.microseconds)
            }
        }
        return edges
    }

    private func logPin(_ kind: WakewordPinEvents.Kind, _ microseconds: Double) {
        guard pinLog.count < Self.pinEventCapacity else { return pinsDropped += 1 }
        // The firmware's clock is a wrapping 32-bit µs counter.
        pinLog.append(.init(kind, UInt32(truncatingIfNeeded: Int64(microseconds.rounded(.down)))))
    }

    /// Lets the DUT's clock run to `microseconds` (the host or the board waits).
    public func wait(until microseconds: Double) {
        clockMicroseconds = max(clockMicroseconds, microseconds)
    }

    // MARK: - Commands

    private func respond(_ line: String) -> [String] {
        let tokens = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var lines = ["Received command: \(line)"]
        switch tokens.first ?? "" {
        case "name": lines.append("m-name-dut-[\(vendor)]")
        case "profile": lines += ["m-profile-[\(Self.firmwareVersion)]", "m-model-[\(Self.modelName)]"]
        case "db": lines += input.database(Array(tokens.dropFirst()))
        case "start": lines += start()
        case "stop": lines += stop()
        case "extract_uart_stream": lines += extractUARTStream()
        case "timestamp": onActivity?(.timestamp(clockMicroseconds))
        case "help":
            lines += ["help, name, profile, db load N | db HH.. | db print, start, stop, extract_uart_stream, timestamp, "
                      + ProtocolExtension.device.rawValue + ", " + ProtocolExtension.pins.rawValue]
        case ProtocolExtension.device.rawValue:
            // TinyBench's extension (the reference firmware knows no such command): the host labels modelled figures.
            lines.append(ProtocolExtension.device.replyPrefix + device.extensionReply + "]")
        case ProtocolExtension.pins.rawValue:
            // TinyBench's extension: the pin edges since `start` or the last read, then an empty log.
            lines += WakewordPinEvents(events: pinLog, dropped: pinsDropped).replyLines
            pinLog = []
            pinsDropped = 0
        case "": lines.append("Empty command (only a % read).  Type 'help%' for help")
        default: lines.append("Unrecognized command \(line)")
        }
        return lines + ["m-ready"]
    }

    private func start() -> [String] {
        guard !isDetecting else { return ["I2S Rx currently in progress. Ignoring request"] }
        isDetecting = true
        activations = []
        detector.start()
        // The reference's `start` zeroes the model input and sample block its
        // UART path shares, so UART hops from here on are frames 0, 1, ...
        // (and the first UART hop does not zero them a second time).
        uartDetector.start()
        uartCalls = max(uartCalls, 1)
        pinLog = []
        pinsDropped = 0
        // The timestamp starts the power measurement.
        logPin(.timestamp, clockMicroseconds)
        onActivity?(.timestamp(clockMicroseconds))
        return ["Listening for I2S data ... ", "DMA receive initiated."]
    }

    private func stop() -> [String] {
        guard isDetecting else { return ["I2S is already idle.  Ignoring stop request"] }
        isDetecting = false
        logPin(.timestamp, clockMicroseconds)
        onActivity?(.timestamp(clockMicroseconds))
        return ["Streaming stopped.", "target activations: "] + Self.int8Rows(activations)
    }

    /// One hop sent over the UART (`db load 1024` and its data first): the
    /// features and the model's outputs, printed as the reference prints them.
    private func extractUARTStream() -> [String] {
        let bytes = Array(input.loaded.prefix(Self.uartHopBytes))
        var hop = [Int16](repeating: 0, count: Self.frameSamples)
        for i in 0..<min(hop.count, bytes.count / 2) {
            hop[i] = Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)
        }
        if uartCalls == 0 { uartDetector.start() }
        uartCalls += 1
        guard let frame = try? uartDetector.process(hop) else { return ["e-[the model cannot run on this frame]"] }
        let start = clockMicroseconds
        clockMicroseconds += inferenceMicroseconds
        onActivity?(.busy(start: start, end: clockMicroseconds))
        // While streaming, the hop is a streamed frame (the firmware's UART streaming path).
        if isDetecting { _ = streamedFrame(frame, start: start, end: clockMicroseconds) }
        let signed = { (v: Int8) in String(format: "%+3d", Int(v)) }
        var outputs = frame.outputs.map(signed)
        while outputs.count < 3 { outputs.append(signed(0)) }
        return ["m-features-[" + frame.features.map(signed).joined(separator: ", ") + "]",
                "m-activations-[" + outputs.prefix(3).joined(separator: ", ") + "]"]
    }

    /// `ee_print_vals_int8`: `[`, then 16 values a row as `%d, ` (the last
    /// followed by a space instead of the comma), then `]`.
    static func int8Rows(_ values: [Int8]) -> [String] {
        guard !values.isEmpty else { return ["[]"] }
        var rows = [String]()
        var i = 0
        while i < values.count {
            let row = values[i..<min(i + 16, values.count)].enumerated().map { j, v in
                "\(v)\(i + j == values.count - 1 ? " " : ",") "
            }.joined()
            rows.append((i == 0 ? "[" : "") + row)
            i += 16
        }
        return rows + ["]"]
    }

    // MARK: - Clock

    /// `lines` as sent, CR LF ended, with the clock charged for them.
    private func charge(_ lines: [String]) -> [UInt8] {
        let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
        advance(byBytes: bytes.count)
        return bytes
    }

    private func advance(byBytes count: Int) {
        // 10 bits per character on an 8N1 line.
        clockMicroseconds += Double(count) * 10 / Double(baud) * 1e6
    }
}
