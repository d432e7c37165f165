import TinyBench

/// The emulated interface board: the STM32H573I-DK "tinyML Enhanced Interface
/// Board" protocol (`name`, `dut <command>`, `checkbaud`, `setbaud`), or, as
/// `.arduino`, a board that only knows `name` and `dut` (the Arduino IO
/// manager's name reply is not documented; `arduinoName` stands in for it).
public final class EmulatedInterfaceBoard: SerialDevice {
    public static let enhancedName = "tinyML Enhanced Interface Board"
    public static let arduinoName = "EEMBC IO manager (emulated)"

    public let lab: EnergyLab
    public let kind: InterfaceBoard.Kind
    /// Fault for tests: the DUT resets (a brown-out) just before the n-th `dut` command (1-based).
    public var resetBeforeDUTCommand: Int?
    private var dutCommands = 0
    private var command = [UInt8]()
    private var dutBaud: Int

    public init(lab: EnergyLab, kind: InterfaceBoard.Kind = .enhanced) {
        self.lab = lab
        self.kind = kind
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
        case ("setbaud", .enhanced): lines = ["set baud to: \(args)"]
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
}
