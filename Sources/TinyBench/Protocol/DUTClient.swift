import Foundation

/// What a DUT said about itself.
public struct DUTIdentity: Sendable, Equatable, Codable {
    public var name: String
    public var profile: String
    public var model: String
    /// True when the firmware announced `m-timestamp-mode-energy` (no `m-lap-us`).
    public var energyTimestamps: Bool
}

/// The outcome of `infer N W`.
public struct InferenceReply: Sendable, Equatable {
    public var inferences: Int
    /// The two `m-lap-us` readings bracketing the timed inferences (nil in energy mode).
    public var laps: (start: UInt32, end: UInt32)?
    public var results: [Double]
    /// Host seconds from sending `infer` to `m-ready` (warm-up and link time included).
    public var hostSeconds: Double = 0

    /// Equal DUT answers (the host's timing is not part of the answer).
    public static func == (a: InferenceReply, b: InferenceReply) -> Bool {
        a.inferences == b.inferences && a.results == b.results && a.laps?.start == b.laps?.start && a.laps?.end == b.laps?.end
    }

    /// DUT microseconds of the timed inferences, wrap-around handled.
    public var elapsedMicroseconds: UInt64? {
        laps.map { LapTimer.elapsedMicroseconds(from: $0.start, to: $0.end) }
    }
}

/// Which way bytes went on the link, for the wire trace.
public enum WireDirection: Sendable {
    case sent, received
}

/// Protocol failures, each naming the command and what went wrong.
public enum DUTError: Error, Equatable, CustomStringConvertible {
    case timeout(command: String, seconds: Double, lastLine: String?)
    case deviceError(command: String, message: String)
    case unexpected(command: String, String)
    case reset(command: String)
    case transport(TransportError)
    /// The run was asked to stop (SIGINT, SIGTERM) while waiting for this command.
    case interrupted(command: String, signal: Int32)

    public var description: String {
        switch self {
        case let .timeout(c, s, last):
            "no m-ready from the DUT \(String(format: "%.1f", s)) s after '\(c)'" + (last.map { " (last line: '\($0)')" } ?? " (it sent nothing)")
        case let .deviceError(c, m): "the DUT rejected '\(c)': \(m)"
        case let .unexpected(c, s): "unexpected reply to '\(c)': \(s)"
        case .reset(let c): "the DUT reset during '\(c)'"
        case .transport(let e): e.description
        case let .interrupted(c, signal): "interrupted by \(Interruption.name(signal)) during '\(c)'"
        }
    }
}

/// Speaks the MLPerf Tiny / EEMBC DUT protocol over a ``Transport``: one
/// command at a time (the reference firmware cannot queue), every reply read
/// up to `m-ready` with a timeout, lines that belong to no command ignored.
public final class DUTClient {
    /// Per-command-class timeouts (seconds), like the official runner's defaults.
    public struct Timeouts: Sendable, Codable {
        public var line: Double = 5
        public var infer: Double = 30
        public init(line: Double = 5, infer: Double = 30) {
            self.line = line
            self.infer = infer
        }
    }

    public let transport: Transport
    public var timeouts: Timeouts
    /// Largest `db` payload: the 80-character command buffer holds "db " and
    /// the hex digits; the terminating `%` is not stored. Even digit count.
    public static let maxHexDigitsPerCommand = 76
    /// Called with every line sent (prefixed "> ") and received ("< "),
    /// except inside an input transfer: ``load(_:readBack:attempt:bytesPerCommand:)`` reports
    /// the whole transfer as one line (a long accuracy run sends thousands).
    public var log: ((String) -> Void)?
    /// Looked at before every command and between reads, so a stop request
    /// abandons the command within a tenth of a second.
    public var interruption: Interruption?
    /// Called with the raw bytes of every write (`.sent`) and every read
    /// (`.received`) as they happen: the byte-level wire trace.
    public var wire: ((WireDirection, [UInt8]) -> Void)?
    /// How ``load(_:readBack:attempt:bytesPerCommand:)`` sends inputs: hex until
    /// ``negotiateTransfer()`` finds the `binary-db` extension.
    public private(set) var inputTransfer = InputTransfer.hex
    /// What the input transfers since the last reset put on the wire (a
    /// session resets it at the start of each mode).
    public var linkUsage = LinkUsage(transfer: .hex)
    private var negotiated = false
    /// Bytes written and read so far, for ``linkUsage``.
    private var sentCount = 0, receivedCount = 0
    /// The complete input the DUT holds after the last acknowledged binary
    /// transfer (a slide starts from it), nil when not known for sure.
    var held: [UInt8]?
    var reader = LineReader()
    /// Whether commands and binary blocks go to an in-process DUT as values
    /// (``InProcessExchange``) rather than as bytes; on by default, off to
    /// drive such a DUT through its byte stream (tests compare the two). A
    /// wire trace (``wire``) always takes the byte path: it records bytes.
    public var handsOverInProcess = true
    /// The transport as an ``InProcessExchange``, looked up once.
    private lazy var inProcess = transport as? any InProcessExchange

    /// The in-process DUT that commands and blocks are handed to now, nil
    /// when they travel as bytes (also while output it printed earlier, or
    /// part of a line of it, waits to be read: it comes first, as on a wire).
    public var directDUT: (any InProcessExchange)? {
        guard handsOverInProcess, wire == nil, let dut = inProcess, !dut.hasUnreadOutput, !reader.holdsPartialLine else { return nil }
        return dut
    }

    public init(transport: Transport, timeouts: Timeouts = Timeouts()) {
        self.transport = transport
        self.timeouts = timeouts
    }

    /// Sends `text%` and returns the lines up to (not including) `m-ready`.
    /// `e-[...]` lines become ``DUTError/deviceError(command:message:)``.
    @discardableResult
    public func command(_ text: String, timeout: Double? = nil) throws(DUTError) -> [String] {
        try exchange(text, timeout: timeout, logged: true)
    }

    /// ``command(_:timeout:)``, its lines given to ``log`` only when `logged`.
    func exchange(_ text: String, timeout: Double? = nil, logged: Bool) throws(DUTError) -> [String] {
        if let signal = interruption?.signal { throw .interrupted(command: text, signal: signal) }
        if logged { log?("> \(text)%") }
        if let direct = directDUT {
            let lines: [String]
            do {
                lines = try direct.command(text)
            } catch {
                throw .transport(error)
            }
            count(sent: text.utf8.count + 1)
            return try reply(text, lines, logged: logged)
        }
        try send(Array((text + "%").utf8))
        return try awaitReady(text, timeout: timeout, logged: logged)
    }

    /// Sends one binary block: as bytes, or handed to an in-process DUT. Returns its reply lines up to `m-ready`.
    func exchange(_ block: BinaryBlock) throws(DUTError) -> [String] {
        if let direct = directDUT {
            let lines: [String]
            do {
                lines = try direct.block(block)
            } catch {
                throw .transport(error)
            }
            count(sent: block.wireCount)
            return try reply(block.header, lines, logged: false)
        }
        try send(block.wireBytes)
        return try awaitReady(block.header, logged: false)
    }

    /// A reply an in-process DUT handed back whole (`m-ready` its last
    /// line), taken as ``awaitReady(_:timeout:logged:)`` takes lines read
    /// from the wire, its bytes counted as if they had been read.
    /// `text` (the command, for errors) is only made when needed: a block's header text costs more than its handing over.
    private func reply(_ text: @autoclosure () -> String, _ lines: [String], logged: Bool) throws(DUTError) -> [String] {
        count(received: lines.reduce(0) { $0 + $1.utf8.count + 2 })
        var kept = [String]()
        // As a line reader reads them: blank lines are no lines.
        for line in lines where !line.isEmpty {
            if let done = try take(line, into: &kept, text(), logged: logged) { return done }
        }
        throw .unexpected(command: text(), "the in-process DUT's reply has no m-ready")
    }

    /// Bytes that went to the DUT or came from it, for ``linkUsage``.
    private func count(sent: Int = 0, received: Int = 0) {
        sentCount += sent
        linkUsage.totalSentBytes += sent
        receivedCount += received
        linkUsage.totalReceivedBytes += received
    }

    /// Writes bytes to the DUT, counted and traced.
    func send(_ bytes: [UInt8]) throws(DUTError) {
        do {
            try transport.write(bytes)
        } catch {
            throw .transport(error)
        }
        count(sent: bytes.count)
        wire?(.sent, bytes)
    }

    /// Bytes from the DUT (empty when none came within `timeout`), counted and traced.
    func receive(timeout: Duration) throws(DUTError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try transport.read(timeout: timeout)
        } catch {
            throw .transport(error)
        }
        count(received: bytes.count)
        if !bytes.isEmpty { wire?(.received, bytes) }
        return bytes
    }

    /// The reply to `text` (already sent): its lines up to (not including)
    /// `m-ready`, waiting `timeout` (the line timeout by default), extended by every line.
    func awaitReady(_ text: String, timeout: Double? = nil, logged: Bool) throws(DUTError) -> [String] {
        let limit = timeout ?? timeouts.line
        var lines = [String]()
        var deadline = ContinuousClock.now + .milliseconds(Int(limit * 1000))
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw .timeout(command: text, seconds: limit, lastLine: lines.last) }
            let bytes = try receive(timeout: interruption == nil ? remaining : min(remaining, .milliseconds(100)))
            if let signal = interruption?.signal { throw .interrupted(command: text, signal: signal) }
            for line in reader.feed(bytes) {
                if let done = try take(line, into: &lines, text, logged: logged) { return done }
                // Any line resets the per-line timeout: a long run keeps talking.
                deadline = max(deadline, ContinuousClock.now + .milliseconds(Int(timeouts.line * 1000)))
            }
        }
    }

    /// One line of the reply to `text`: logged (when `logged`) and kept in
    /// `lines`; at `m-ready` the reply is complete and returned (or its
    /// `e-[...]` line thrown); a boot banner line means the DUT reset.
    private func take(_ line: String, into lines: inout [String], _ text: @autoclosure () -> String, logged: Bool) throws(DUTError) -> [String]? {
        if logged { log?("< \(line)") }
        if line == "m-ready" {
            if let error = lines.first(where: { $0.hasPrefix("e-[") }) {
                throw .deviceError(command: text(), message: String(error.dropFirst(3).dropLast()))
            }
            return lines
        }
        if line.hasPrefix("m-init-done") || line.hasPrefix("m-timestamp-mode-") {
            held = nil
            throw .reset(command: text())
        }
        lines.append(line)
        return nil
    }

    /// Asks `tb-caps` once per client (one client per connection) and
    /// switches ``load(_:readBack:attempt:bytesPerCommand:)`` to binary blocks when the DUT
    /// lists `binary-db` and the transport carries any byte (an interface
    /// board's passthrough carries text lines only). Stock firmware keeps hex,
    /// and so does every DUT when `binary` is false (`--hex`).
    @discardableResult
    public func negotiateTransfer(binary: Bool = true) -> InputTransfer {
        guard !negotiated else { return inputTransfer }
        negotiated = true
        if binary && transport.carriesBinary && capabilities().contains(ProtocolExtension.binaryCapability) {
            inputTransfer = .binary
            linkUsage = LinkUsage(transfer: .binary)
        }
        return inputTransfer
    }

    /// Starts counting ``linkUsage`` afresh (a new mode).
    public func resetLinkUsage() {
        linkUsage = LinkUsage(transfer: inputTransfer)
    }

    /// Recovers from garbage or a half-sent command: a bare `%` ends whatever
    /// the DUT has buffered, then everything up to `m-ready` is drained.
    /// With binary transfers the DUT may be inside a block: see ``resynchroniseBinary()``.
    public func resynchronise() throws(DUTError) {
        if inputTransfer == .binary { return try resynchroniseBinary() }
        reader.reset()
        _ = try? receive(timeout: .milliseconds(50))
        do {
            _ = try command("")
        } catch .deviceError {
            // The empty command is "unknown": that reply is the resynchronisation.
        }
    }

    /// What a DUT prints right after the port opens (a boot banner, if any),
    /// read until it has been quiet for `quiet`, and for at most `limit`
    /// (a DUT that never stops talking is dealt with by the commands' resynchronisation).
    /// An in-process DUT prints nothing unasked once its banner is read, so
    /// there is no quiet to wait for.
    public static func bootBanner(_ transport: any Transport, quiet: Duration = .milliseconds(200),
                                  limit: Duration = .seconds(2)) -> [String] {
        var reader = LineReader()
        var lines = [String]()
        let deadline = ContinuousClock.now + limit
        let inProcess = transport as? any InProcessExchange
        while ContinuousClock.now < deadline, inProcess.map(\.hasUnreadOutput) ?? true,
              let bytes = try? transport.read(timeout: quiet), !bytes.isEmpty {
            lines += reader.feed(bytes)
        }
        return lines
    }

    /// `name` and `profile`.
    public func identify(bootLines: [String] = []) throws(DUTError) -> DUTIdentity {
        let name = try command("name")
        let profile = try command("profile")
        func bracket(_ lines: [String], _ prefix: String) -> String? {
            guard let l = lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return String(l.dropFirst(prefix.count).prefix { $0 != "]" })
        }
        guard let model = bracket(profile, "m-model-[") else { throw .unexpected(command: "profile", "no m-model-[...] line in \(profile)") }
        return DUTIdentity(name: bracket(name, "m-name-dut-[") ?? bracket(name, "m-name-") ?? name.joined(separator: " "),
                           profile: bracket(profile, "m-profile-[") ?? "", model: model,
                           energyTimestamps: bootLines.contains("m-timestamp-mode-energy"))
    }

    /// One input transfer: `db load N`, then `db <hex>` chunks until the DUT
    /// confirms `m-load-done`, then (with `readBack`) `db print` and a
    /// comparison with what was sent. The whole transfer is one line of
    /// ``log``, e.g. `> load 2560 bytes in 68 db commands, read back: identical`,
    /// naming the attempt when it is a retry (`attempt` > 1); lines the DUT
    /// sent that are not the transfer's acknowledgements are logged as they
    /// are. A read-back that differs throws after the line is logged.
    /// With binary transfers (negotiated) the input goes as CRC-checked
    /// blocks instead, which need no read-back (``loadBinary(_:attempt:)``).
    /// Every transfer, failed or not, is added to ``linkUsage``.
    /// `bytesPerCommand` sets the hex chunk size (at most 38: 76 digits, the
    /// most an 80-character command holds; the MLCommons runner sends 31, 26
    /// through an interface board).
    public func load(_ bytes: [UInt8], readBack: Bool = false, attempt: Int = 1,
                     bytesPerCommand: Int = DUTClient.maxHexDigitsPerCommand / 2) throws(DUTError) {
        let (sent, received, started) = (sentCount, receivedCount, ContinuousClock.now)
        var payload = 0
        defer {
            linkUsage.add(input: payload > 0 ? bytes.count : 0, payload: payload, sent: sentCount - sent,
                          received: receivedCount - received, seconds: Self.seconds(ContinuousClock.now - started))
        }
        if inputTransfer == .binary {
            payload = try loadBinary(bytes, attempt: attempt)
        } else {
            held = nil
            try loadHex(bytes, readBack: readBack, attempt: attempt, perCommand: min(max(bytesPerCommand, 1), Self.maxHexDigitsPerCommand / 2))
            payload = bytes.count
        }
    }

    /// `db load` + `db <hex>`, then (with `readBack`) `db print` and the comparison.
    private func loadHex(_ bytes: [UInt8], readBack: Bool, attempt: Int, perCommand: Int) throws(DUTError) {
        let chunks = (bytes.count + perCommand - 1) / perCommand
        let what = "load \(bytes.count) bytes in \(chunks) db commands" + (attempt > 1 ? " (attempt \(attempt))" : "")
        var sentCommands = 0
        do throws(DUTError) {
            let expect = try exchange("db load \(bytes.count)", logged: false)
            logUnexpected(expect)
            guard expect.contains("m-[Expecting \(bytes.count) bytes]") else {
                throw .unexpected(command: "db load \(bytes.count)", expect.joined(separator: " | "))
            }
            var done = false
            for start in stride(from: 0, to: bytes.count, by: perCommand) {
                let chunk = bytes[start..<min(start + perCommand, bytes.count)]
                let lines = try exchange("db " + chunk.map { Self.hexDigits[Int($0)] }.joined(), logged: false)
                sentCommands += 1
                logUnexpected(lines)
                done = lines.contains("m-load-done")
            }
            guard done else { throw .unexpected(command: "db", "the DUT did not confirm m-load-done after \(bytes.count) bytes") }
        } catch {
            log?("> \(what): stopped after \(sentCommands) of them")
            throw error
        }
        guard readBack else {
            log?("> \(what), not read back")
            return
        }
        let held: [UInt8]
        do throws(DUTError) {
            held = try bufferContents()
        } catch {
            log?("> \(what), read back: failed")
            throw error
        }
        guard held == bytes else {
            let first = zip(held, bytes).enumerated().first { $1.0 != $1.1 }?.offset ?? min(held.count, bytes.count)
            let difference = "\(held.count) bytes held, the first difference at byte \(first)"
            log?("> \(what), read back: DIFFERENT (\(difference))")
            throw .unexpected(command: "db print", "the DUT holds different bytes than were sent (\(difference))")
        }
        log?("> \(what), read back: identical")
    }

    /// Lines of a transfer that are not its acknowledgements (chatter, a
    /// stray message): kept in the log, where a person looks for them.
    func logUnexpected(_ lines: [String]) {
        for line in lines where !(line == "m-load-done" || line.hasPrefix("m-[Expecting ") || line.hasPrefix("m-buffer-")) {
            log?("< \(line)")
        }
    }

    /// `db print`: the DUT's input buffer as it holds it now.
    func bufferContents() throws(DUTError) -> [UInt8] {
        let lines = try exchange("db print", logged: false)
        logUnexpected(lines)
        var bytes = [UInt8]()
        for line in lines where line.hasPrefix("m-buffer-") {
            for pair in line.dropFirst("m-buffer-".count).split(separator: "-") {
                guard pair.count == 2, let b = UInt8(pair, radix: 16) else {
                    throw .unexpected(command: "db print", "bad byte '\(pair)' in '\(line)'")
                }
                bytes.append(b)
            }
        }
        return bytes
    }

    /// `results`: the result vector of the last inference again.
    public func results() throws(DUTError) -> [Double] {
        let lines = try command("results")
        guard let r = Self.parseResults(lines) else { throw .unexpected(command: "results", "no m-results-[...] line") }
        return r
    }

    /// `infer N W`: warm-up, the two laps, results. `expectedSeconds` (the DUT
    /// time the caller expects the command to take) extends the infer timeout.
    public func infer(_ n: Int, warmup: Int, expectedSeconds: Double = 0) throws(DUTError) -> InferenceReply {
        let text = "infer \(n) \(warmup)"
        let started = ContinuousClock.now
        let lines = try command(text, timeout: timeouts.infer + 2 * expectedSeconds)
        let hostSeconds = Self.seconds(ContinuousClock.now - started)
        guard lines.contains("m-infer-done") else { throw .unexpected(command: text, "no m-infer-done") }
        guard let results = Self.parseResults(lines) else { throw .unexpected(command: text, "no m-results-[...] line") }
        // Energy-mode firmware prints no laps; anything else must print exactly
        // two well-formed ones, or the interval cannot be trusted.
        let lapLines = lines.filter { $0.hasPrefix("m-lap-us-") }
        let laps = lapLines.compactMap { line -> UInt32? in
            let digits = line.utf8.dropFirst("m-lap-us-".utf8.count)
            // ASCII digits only, checked byte by byte (as characters costs more).
            return digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ? UInt32(Substring(digits)) : nil
        }
        guard lapLines.isEmpty || (lapLines.count == 2 && laps.count == 2) else {
            throw .unexpected(command: text, "expected two m-lap-us timestamps, got \(lapLines.joined(separator: " | "))")
        }
        var reply = InferenceReply(inferences: n, laps: laps.count == 2 ? (laps[0], laps[1]) : nil, results: results)
        reply.hostSeconds = hostSeconds
        return reply
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The negotiated `tb-raw` extension: raw output tensor bytes, or nil if the DUT does not know it.
    public func rawOutput() throws(DUTError) -> [UInt8]? {
        let lines: [String]
        do {
            lines = try command(ProtocolExtension.raw.rawValue)
        } catch .deviceError {
            return nil
        }
        guard let l = lines.first(where: { $0.hasPrefix(ProtocolExtension.raw.replyPrefix) }) else { return nil }
        let hex = Array(l.dropFirst(ProtocolExtension.raw.replyPrefix.count).prefix { $0 != "]" }.utf8)
        guard hex.count % 2 == 0 else { throw .unexpected(command: "tb-raw", "odd number of hex digits") }
        return stride(from: 0, to: hex.count, by: 2).compactMap { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16) }
    }

    static func parseResults(_ lines: [String]) -> [Double]? {
        let prefix = "m-results-["
        guard let l = lines.last(where: { $0.hasPrefix(prefix) }) else { return nil }
        // On the bytes (walking characters costs more than the numbers);
        // trimmed only when a number does not parse as it is (trimming is the slow part).
        let utf8 = l.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: prefix.utf8.count)
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "]")) ?? utf8.endIndex
        var values = [Double]()
        for field in utf8[start..<end].split(separator: UInt8(ascii: ",")) {
            let text = Substring(field)
            guard let value = Double(text) ?? Double(text.trimmingCharacters(in: .whitespaces)) else { return nil }
            values.append(value)
        }
        return values
    }

    private static let hexDigits = (0..<256).map { String(format: "%02x", $0) }
}

extension Character {
    /// `0`–`9` only (`isNumber` also accepts other scripts' digits and fractions).
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
