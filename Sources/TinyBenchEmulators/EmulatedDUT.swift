import Foundation
import TinyBench
import TinyRuntime

/// The Swift twin of the MLPerf Tiny reference firmware: a DUT protocol server
/// (EEMBC API) running a model on TinyRuntime, with a virtual clock.
///
/// Bytes in, bytes out: ``receive(_:)`` consumes what the host sends and
/// returns what the DUT prints, so it can sit behind any transport (an
/// in-process pair, a pseudo-terminal). Messages, error strings, the
/// 80-character command buffer and the 27 648-byte input buffer behave like
/// the reference firmware's `internally_implemented.cpp`. Time is virtual:
/// inferences advance it by the board profile's cost model and UART traffic
/// by its baud rate, so `m-lap-us` values are deterministic emulated figures.
/// With a ``WallClockPacer`` (`realTime`) the same clock is tied to the wall
/// clock: each line leaves the DUT when the modelled board would send it.
public final class EmulatedDUT: SerialDevice {
    /// Which timestamps the firmware emits, as the reference build options do.
    public enum TimestampMode: String, Sendable {
        /// `m-lap-us-<µs>` messages.
        case performance
        /// GPIO pulses seen only by an energy monitor: no lap messages.
        case energy
    }

    public static let commandBufferSize = DUTInputBuffer.commandLimit
    public static let inputBufferSize = DUTInputBuffer.capacity
    public static let firmwareVersion = "ULPMark for tinyML Firmware V0.0.1"

    public let benchmark: Benchmark
    public let profile: BoardProfile
    public let timestampMode: TimestampMode
    public let vendor: String
    /// Emulated microseconds of one inference, from the profile's cost model.
    public let inferenceMicroseconds: Double

    private let interpreter: Interpreter
    private let adapter: BenchmarkIO
    /// Virtual time since power-on, in microseconds.
    public private(set) var clockMicroseconds: Double
    private let clockOrigin: Double
    private var reader: DUTCommandReader
    private var input = DUTInputBuffer()
    private var lastResults = ""
    private var lastRawOutput = [UInt8]()
    /// Timestamps emitted so far (lap messages or, in energy mode, GPIO edges).
    public private(set) var timestamps = [Double]()
    /// UART speed charged for protocol traffic (8N1: 10 bits per byte).
    public let baud: Int
    /// Whether `tb-caps` announces `binary-db` and `tb-db` blocks are accepted
    /// (off: a DUT that loads inputs over hex only, like stock firmware).
    public let binaryBlocks: Bool
    /// Paces output to the wall clock (`tinybench emulate --realtime`); nil: virtual time only.
    public let pacer: WallClockPacer?
    /// What the DUT printed since the last ``receiveTimed(_:)``, line by line, each with its time.
    private var outbox = [Printed]()

    /// A line the DUT printed and when its last byte left (µs on its clock):
    /// kept as text, made bytes only when read as bytes (a command handed
    /// over in process takes the text).
    private struct Printed {
        var line: String
        var microseconds: Double

        var timedOutput: TimedOutput { TimedOutput(bytes: Array((line + "\r\n").utf8), microseconds: microseconds) }
    }

    /// A piece of the DUT's output and the time on its clock (µs) at which its
    /// last byte has left the DUT's UART.
    public struct TimedOutput: Sendable, Equatable {
        public var bytes: [UInt8]
        public var microseconds: Double
    }

    /// What the DUT does on its clock, for an energy lab to turn into power
    /// and timestamp edges.
    public enum Activity: Sendable, Equatable {
        /// Inferring (warm-up and timed runs) from `start` to `end` µs.
        case busy(start: Double, end: Double)
        /// A timestamp at this time (µs): a GPIO edge in energy mode.
        case timestamp(Double)
        /// The DUT restarted; its clock went back to `to` µs from `from`.
        case reset(from: Double, to: Double)
    }
    /// Called for every ``Activity`` as it happens (a busy interval when it ends).
    public var onActivity: ((Activity) -> Void)?

    /// - Parameters:
    ///   - clockStartMicroseconds: initial value of the free-running
    ///     counter (tests start it near 2^32 to exercise wrap-around).
    ///   - realTime: pace the DUT to the wall clock (see ``receive(_:sending:)``):
    ///     `infer N W` then takes as long as the modelled board would and the
    ///     counter also runs while the DUT waits for a command.
    public init(model: Model, benchmark: Benchmark, profile: BoardProfile = .nucleoL4R5ZITFLM,
                timestampMode: TimestampMode = .performance, vendor: String = "TinyBench emulated DUT",
                clockStartMicroseconds: Double = 0, baud: Int? = nil, binaryBlocks: Bool = true, realTime: Bool = false) throws {
        interpreter = try Interpreter(model: model)
        adapter = try BenchmarkIO(benchmark: benchmark, interpreter: interpreter)
        self.benchmark = benchmark
        self.profile = profile
        self.timestampMode = timestampMode
        self.vendor = vendor
        self.baud = baud ?? profile.baud
        self.binaryBlocks = binaryBlocks
        reader = DUTCommandReader(binaryBlocks: binaryBlocks)
        inferenceMicroseconds = profile.inferenceMicroseconds(model)
        clockOrigin = clockStartMicroseconds
        clockMicroseconds = clockStartMicroseconds
        pacer = realTime ? WallClockPacer(deviceMicroseconds: clockStartMicroseconds) : nil
    }

    /// What the firmware prints at power-on.
    public func boot() -> [UInt8] {
        // Not through the outbox: a lab powers the DUT on from another thread.
        printed(["m-timestamp-mode-\(timestampMode.rawValue)", "m-init-done", "m-ready"]).flatMap(\.timedOutput.bytes)
    }

    /// A reset: the input buffer and any partial command are lost, the banner is printed again.
    public func reset() -> [UInt8] {
        reader.reset()
        input.clear()
        lastResults = ""
        lastRawOutput = []
        onActivity?(.reset(from: clockMicroseconds, to: clockOrigin))
        clockMicroseconds = clockOrigin
        pacer?.restart(atDeviceMicroseconds: clockOrigin)
        return boot()
    }

    /// Feeds bytes from the host; returns everything the DUT prints in response
    /// (at once, whatever the pacing: the in-process transport and the lab use it).
    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        receiveTimed(bytes).flatMap(\.bytes)
    }

    /// Feeds bytes from the host and hands the answer to `send` line by line.
    /// On virtual time everything goes at once; with a ``pacer`` the clock
    /// first catches up with the wall clock (the counter ran while the DUT
    /// waited), and each line is sent when the wall clock reaches its time.
    public func receive(_ bytes: [UInt8], sending send: ([UInt8]) throws(TransportError) -> Void) throws(TransportError) {
        guard let pacer else {
            let out = receive(bytes)
            if !out.isEmpty { try send(out) }
            return
        }
        clockMicroseconds = max(clockMicroseconds, pacer.deviceMicroseconds())
        for piece in receiveTimed(bytes) {
            pacer.sleep(untilDeviceMicroseconds: piece.microseconds)
            try send(piece.bytes)
        }
    }

    /// Feeds bytes from the host; returns what the DUT prints, line by line,
    /// each with the time on the DUT's clock at which it has been sent.
    public func receiveTimed(_ bytes: [UInt8]) -> [TimedOutput] {
        for byte in bytes {
            advance(byBytes: 1)
            switch reader.feed(byte) {
            case .command(let line)?: execute(line)
            case let .block(header, text, data)?: emit(input.storeBlock(header, text: text, data) + ["m-ready"])
            case nil: break
            }
        }
        return takeOutput()
    }

    private func takeOutput() -> [TimedOutput] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox.map(\.timedOutput)
    }

    /// The DUT speaks only when spoken to.
    public func poll() -> [UInt8] { [] }

    // MARK: - Handed over in process

    /// `text%` handed over as a value (``InProcessExchange``): the reply
    /// lines, `m-ready` included, with the clock advanced exactly as by
    /// ``receive(_:)`` of the same bytes (each byte in, then the reply out).
    /// Anything the line path would treat differently (a partial command or
    /// block held, a `%` inside, a command past the 80-character buffer, a
    /// block header) goes through ``receive(_:)`` itself.
    public func command(_ text: String) -> [String] {
        let count = text.utf8.count
        guard reader.isIdle, count <= Self.commandBufferSize, !text.utf8.contains(UInt8(ascii: "%")),
              !(binaryBlocks && BinaryBlock.Header(command: text) != nil) else {
            return Self.lines(receive(Array((text + "%").utf8)))
        }
        advance(bytesOneByOne: count + 1)
        return handedOver(respond(text))
    }

    /// A binary block handed over as a value: stored as ``receive(_:)``
    /// stores a block whose CRC matches (nothing can damage it in process),
    /// the clock advanced by every byte of its header, payload and CRC.
    public func block(_ b: BinaryBlock) -> [String] {
        guard binaryBlocks, reader.isIdle else { return Self.lines(receive(b.wireBytes)) }
        advance(bytesOneByOne: b.wireCount)
        return handedOver(input.store(BinaryBlock.Header(size: b.size, offset: b.offset, length: b.payload.count, shift: b.shift), b.payload) + ["m-ready"])
    }

    /// The reply of a command handed over as a value: the lines a command
    /// scheduled on its way (`infer`'s warm-up and first lap, already charged
    /// to the clock), then `lines`, charged as ``emit(_:)`` charges them.
    /// Those scheduled lines are taken from the outbox as text.
    private func handedOver(_ lines: [String]) -> [String] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox.map(\.line) + counted(lines)
    }

    /// Lines (CR LF ended) of what ``receive(_:)`` printed.
    private static func lines(_ bytes: [UInt8]) -> [String] {
        var reader = LineReader()
        return reader.feed(bytes)
    }

    // MARK: - Commands

    private func execute(_ line: String) {
        emit(respond(line))
    }

    /// The reply lines to one command, `m-ready` included (not yet printed).
    private func respond(_ line: String) -> [String] {
        let tokens = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var lines = [String]()
        switch tokens.first ?? "" {
        case "name": lines.append("m-name-dut-[\(vendor)]")
        case "timestamp": lines += timestamp()
        case "profile": lines += ["m-profile-[\(Self.firmwareVersion)]", "m-model-[\(benchmark.id)]"]
        case "help": lines += [Self.firmwareVersion, "", "help, name, timestamp, db load N | db HH.. | db print, infer N [W], results, " + ProtocolExtension.allCases.filter { !$0.isStreamingWakewordOnly }.map(\.rawValue).joined(separator: ", ")]
        case "db": lines += input.database(Array(tokens.dropFirst()))
        case "infer": lines += infer(Array(tokens.dropFirst()))
        case "results": lines.append(lastResults.isEmpty ? adapter.emptyResults : lastResults)
        case ProtocolExtension.raw.rawValue:
            lines.append(ProtocolExtension.raw.replyPrefix + lastRawOutput.map { String(format: "%02x", $0) }.joined() + "]")
        case ProtocolExtension.capabilities.rawValue:
            let names = ProtocolExtension.allCases.filter { (binaryBlocks || $0 != .binaryBlock) && !$0.isStreamingWakewordOnly }.compactMap(\.capabilityName)
            lines.append(ProtocolExtension.capabilities.replyPrefix + names.joined(separator: ",") + "]")
        case ProtocolExtension.binaryBlock.rawValue where binaryBlocks:
            lines.append("e-[tb-db: block length must be 1 to \(BinaryBlock.maxLength)]")
        case ProtocolExtension.device.rawValue:
            var description = profile.deviceDescription
            description.summary = "emulated DUT (TinyRuntime + cost model of \(profile.name))"
            lines.append(ProtocolExtension.device.replyPrefix + description.extensionReply + "]")
        default:
            // strtok on an empty command gives no token; the reference prints "(null)".
            lines.append("e-[Unknown command: \(tokens.first ?? "(null)")]")
        }
        lines.append("m-ready")
        return lines
    }

    private func timestamp() -> [String] {
        timestamps.append(clockMicroseconds)
        onActivity?(.timestamp(clockMicroseconds))
        guard timestampMode == .performance else { return [] }
        let counter = UInt32(truncatingIfNeeded: UInt64(clockMicroseconds.rounded(.down)))
        return ["m-lap-us-\(counter)"]
    }

    private func infer(_ args: [String]) -> [String] {
        var n = 1, w = 10
        if args.count > 0 {
            let i = CString.atoi(args[0])
            guard i > 0 else { return ["e-[Inference iterations must be >0]"] }
            n = i
            if args.count > 1 {
                let j = CString.atoi(args[1])
                guard j >= 0 else { return ["e-[Inference warmup must be >=0]"] }
                w = j
            }
        }
        // th_load_tensor: the benchmark's input handling of the loaded bytes.
        adapter.load(input.loaded)
        // The output does not depend on how often the same input is run, so
        // the model runs once; the virtual clock pays for every run.
        interpreter.invoke()
        lastRawOutput = (try? interpreter.output()) ?? []
        lastResults = adapter.results()
        let busyStart = clockMicroseconds
        advance(microseconds: Double(w) * inferenceMicroseconds)
        let early = ["m-warmup-done", "m-infer-start-\(n)"] + timestamp()
        let firstLap = clockMicroseconds
        advance(microseconds: Double(n) * inferenceMicroseconds)
        // The processor is busy from the first warm-up to the last timed run.
        onActivity?(.busy(start: busyStart, end: clockMicroseconds))
        let secondLap = timestamp()
        // The link is charged after the timed run, so the laps bracket exactly
        // N inferences; a paced DUT still sends each early line when the board
        // would print it: the warm-up line at the start, the rest at the first lap.
        let earlyBytes = schedule(["m-warmup-start-\(w)"], at: busyStart) + schedule(early, at: firstLap)
        advance(byBytes: earlyBytes)
        return secondLap + ["m-infer-done", lastResults]
    }

    // MARK: - Helpers

    /// Queues `lines` to leave at `microseconds` on the clock without charging
    /// the clock for them (the caller does); returns their byte count.
    private func schedule(_ lines: [String], at microseconds: Double) -> Int {
        var count = 0
        for line in lines {
            count += line.utf8.count + 2
            outbox.append(Printed(line: line, microseconds: microseconds + Double(count) * 10 / Double(baud) * 1e6))
        }
        return count
    }

    /// Prints `lines` into the outbox (see ``printed(_:)``).
    private func emit(_ lines: [String]) {
        outbox += printed(lines)
    }

    /// `lines` as they leave the UART in turn (with CR LF), each charged to
    /// the clock and stamped with the time its last byte has gone.
    private func printed(_ lines: [String]) -> [Printed] {
        lines.map { line in
            advance(byBytes: line.utf8.count + 2)
            return Printed(line: line, microseconds: clockMicroseconds)
        }
    }

    /// ``emit(_:)`` without the outbox: the clock advanced line by line as
    /// ``printed(_:)`` advances it (the same additions, so the same clock to the bit), the lines returned.
    private func counted(_ lines: [String]) -> [String] {
        for line in lines { advance(byBytes: line.utf8.count + 2) }
        return lines
    }

    /// As ``receive(_:)`` charges bytes: one at a time (the same roundings, so the same clock to the bit).
    private func advance(bytesOneByOne count: Int) {
        clockMicroseconds = Self.clock(clockMicroseconds, afterAdding: microseconds(bytes: 1), times: count)
    }

    private func advance(byBytes count: Int) {
        advance(microseconds: microseconds(bytes: count))
    }

    /// UART time of `count` bytes: 10 bits per character on an 8N1 line.
    private func microseconds(bytes count: Int) -> Double {
        Double(count) * 10 / Double(baud) * 1e6
    }

    /// `clock` after `times` additions of `step`, each rounded as `+=`
    /// rounds it, without one addition each (a vww01 input is 27,648 bytes,
    /// each charged on its own). While the clock stays in one binade, where
    /// its values are the multiples of one ulp, every addition of `step`
    /// rounds to the same number of ulps (unless `step` lies exactly halfway
    /// between two, where the rounding depends on the clock's last bit): a
    /// run of additions that stays in the binade is one exact addition. The
    /// rest (the step that crosses into the next binade, halfway cases, a
    /// clock at zero) is added one at a time.
    public static func clock(_ clock: Double, afterAdding step: Double, times: Int) -> Double {
        var clock = clock
        var left = times
        while left > 0 {
            let ulp = clock.ulp
            let ulps = step / ulp
            if clock.isNormal, clock > 0, step >= 0, ulps < 0x1p52, ulps - ulps.rounded(.down) != 0.5 {
                let perStep = Int64(ulps.rounded())
                // The clock in ulps (2^52 up to 2^53 in its binade) and how many
                // steps keep it below the binade's end.
                let room = Int64(0x1p53 - 1 - clock / ulp)
                let steps = perStep == 0 ? left : Int(min(Int64(left), room / perStep))
                if steps > 0 {
                    clock += Double(Int64(steps) * perStep) * ulp
                    left -= steps
                    continue
                }
            }
            clock += step
            left -= 1
        }
        return clock
    }

    private func advance(microseconds: Double) {
        clockMicroseconds += microseconds
    }
}
