import Foundation
import TinyBench

/// The emulated interface board: the STM32H573I-DK "tinyML Enhanced Interface
/// Board" protocol (`name`, `dut <command>`, `checkbaud`, `setbaud`, and for
/// sww01 `ls`, `play FILE`, `record_detections`, `print_detections`,
/// `print_dutycycle`), or, as `.arduino`, a board that only knows `name` and
/// `dut` (the Arduino IO manager's name reply is not documented;
/// `arduinoName` stands in for it).
///
/// The SD card is a folder (``sdCard``). `play` streams a 2-channel 16-bit
/// WAV from it to the DUT over I2S on the lab's virtual timeline, in whole
/// 4 KiB refills as the board's firmware reads the card; the board records
/// the DUT's wakeword pulses (falling edges, in ms, dropping one within 10 ms
/// of the last) and the first 100 rising and falling edges of its processing
/// pin (10 µs ticks), all on a timer reset by `record_detections`.
public final class EmulatedInterfaceBoard: SerialDevice {
    public static let enhancedName = "tinyML Enhanced Interface Board"
    public static let arduinoName = "EEMBC IO manager (emulated)"

    public let lab: EnergyLab
    public let kind: InterfaceBoard.Kind
    /// Fault for tests: the DUT resets (a brown-out) just before the n-th `dut` command (1-based).
    public var resetBeforeDUTCommand: Int?
    /// Fault for tests: the DUT resets as the next `play` starts, so it streams nothing.
    public var resetAtNextPlay = false
    private var dutCommands = 0
    private var command = [UInt8]()
    private var dutBaud: Int
    /// The folder the board's SD card holds (nil: an empty card).
    public var sdCard: URL?
    /// Lab time (µs) at which `record_detections` reset the timer; nil before.
    private var recordingSince: Double?
    private var detections = [Int]()
    private var processingStarts = [Int]()
    private var processingStops = [Int]()
    /// Edges of the processing pin the board keeps (its `MAX_FRAMES`).
    public static let dutyCycleFrames = 100
    /// Detections the board keeps (its `MAX_TIMESTAMPS`).
    public static let maxDetections = 10_000

    public init(lab: EnergyLab, kind: InterfaceBoard.Kind = .enhanced, sdCard: URL? = nil) {
        self.lab = lab
        self.kind = kind
        self.sdCard = sdCard
        dutBaud = lab.dut.baud
    }

    public func receive(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        for b in bytes {
            if b == UInt8(ascii: "%") {
                out += execute(String(decoding: command, as: UTF8.self))
                command.removeAll()
            } else if command.count < 1024 {
                command.append(b)
            }
        }
        return out
    }

    public func poll() -> [UInt8] { [] }

    private func execute(_ line: String) -> [UInt8] {
        let trimmed = line.drop { $0 == " " }
        let word = trimmed.prefix { $0 != " " }
        let args = String(trimmed.dropFirst(word.count).drop { $0 == " " })
        var lines = [String]()
        switch (word, kind) {
        case ("name", .enhanced): lines = [Self.enhancedName]
        case ("name", .arduino): lines = [Self.arduinoName]
        case ("checkbaud", .enhanced): lines = ["baud is: \(dutBaud)"]
        case ("setbaud", .enhanced):
            // The firmware stores it in flash and resets (the emulation keeps its state).
            dutBaud = Int(args.prefix { $0.isNumber }) ?? dutBaud
            lines = ["set baud to: \(args)"]
        case ("ls", .enhanced): lines = files()
        case ("play", .enhanced): return play(args)
        case ("record_detections", .enhanced):
            recordingSince = lab.now
            detections = []
            processingStarts = []
            processingStops = []
            lines = ["Now recording detections"]
        case ("print_detections", .enhanced):
            lines = ["Detection Timestamps (ms)"] + detections.map { "\($0)," }
        case ("print_dutycycle", .enhanced):
            // The board's layout: 8 values a line, each followed by ", ".
            return Array((["Duty cycle start times (s)"] + Self.rows(processingStarts)).map { $0 + "\r\n" }.joined().utf8)
                + Array(("Duty cycle stop times (s)\r\n" + Self.rows(processingStops).joined(separator: "\r\n") + "m-ready\r\n").utf8)
        case ("dut", _):
            var out = Array("m-dut-passthrough(\(args))\r\nm-ready\r\n".utf8)
            dutCommands += 1
            if dutCommands == resetBeforeDUTCommand {
                lab.setPower(false)
                lab.setPower(true)
                var reader = LineReader()
                for l in reader.feed(lab.dut.boot()) { out += Array("[dut]: \(l)\r\n".utf8) }
                return out
            }
            // An unpowered DUT says nothing; the host's timeout reports it.
            if let reply = lab.toDUT(Array((args + "%").utf8)) {
                var reader = LineReader()
                for l in reader.feed(reply) { out += Array("[dut]: \(l)\r\n".utf8) }
            }
            return out
        default: break
        }
        return Array((lines + ["m-ready"]).map { $0 + "\r\n" }.joined().utf8)
    }

    /// The card's files, as `ls` lists them (sorted, hidden files left out).
    private func files() -> [String] {
        guard let sdCard, let names = try? FileManager.default.contentsOfDirectory(atPath: sdCard.path) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { name in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: sdCard.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return exists && isDirectory.boolValue ? name + "/" : name
        }
    }

    /// `play FILE`: blocks until the whole refills of the file have been
    /// played; the board's lines end with a bare LF, as its firmware prints them.
    private func play(_ name: String) -> [UInt8] {
        var out = "Attempting to play \(name)\n"
        guard let audio = sdCard.flatMap({ try? PCM16Audio(contentsOf: $0.appendingPathComponent(name)) }),
              !name.isEmpty, audio.channels == 2, let frames = try? WakewordStreamRun.playedFrames(audio) else {
            return Array((out + "Error playing file. Check that the file exists and is a 2-channel wav file.\nm-ready\r\n").utf8)
        }
        if resetAtNextPlay {
            resetAtNextPlay = false
            lab.setPower(false)
            lab.setPower(true)
        }
        let left = (0..<(frames * EmulatedWakewordDUT.frameSamples)).map { audio.interleaved[$0 * audio.channels] }
        do {
            for edge in try lab.playI2S(left, from: lab.now).edges { record(edge) }
            out += "succeeded.\n"
        } catch {
            out += "Error playing file. \(error)\n"
        }
        return Array((out + "m-ready\r\n").utf8)
    }

    /// An edge of a DUT pin seen by the board's interrupt handlers.
    private func record(_ edge: EmulatedWakewordDUT.PinEdge) {
        guard let since = recordingSince else { return }
        // TIM2 counts 10 µs ticks from `record_detections`.
        // A nanosecond of slack: edges at whole ticks must not fall to the tick
        // before by the rounding of the lab's absolute times (which depend on the traffic so far).
        let ticks = Int(((edge.microseconds - since) / 10 + 1e-4).rounded(.down))
        switch edge.pin {
        case .wakeword:
            let ms = ticks / 100
            // The firmware's test in uint32 arithmetic (`ms - 10` wraps below 10 ms).
            let now = UInt32(truncatingIfNeeded: ms)
            if detections.count < Self.maxDetections,
               detections.last.map({ UInt32(truncatingIfNeeded: $0) < now &- 10 || UInt32(truncatingIfNeeded: $0) > now }) ?? true {
                detections.append(ms)
            }
        case .processingRising:
            if processingStarts.count < Self.dutyCycleFrames { processingStarts.append(ticks) }
        case .processingFalling:
            if processingStops.count < Self.dutyCycleFrames { processingStops.append(ticks) }
        }
    }

    /// Values 8 a line, each followed by ", "; the last line may be short or empty.
    private static func rows(_ values: [Int]) -> [String] {
        var rows = [String]()
        var line = ""
        for (i, v) in values.enumerated() {
            line += "\(v), "
            if (i + 1) % 8 == 0 {
                rows.append(line)
                line = ""
            }
        }
        return rows + [line]
    }
}
