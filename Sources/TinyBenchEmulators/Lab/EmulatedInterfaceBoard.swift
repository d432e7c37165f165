import TinyBench

/// The emulated interface board: the STM32H573I-DK "tinyML Enhanced Interface
/// Board" protocol (`name`, `dut <command>`, `checkbaud`, `setbaud`), or, as
/// `.arduino`, a board that only knows `name` and `dut` (the Arduino IO
/// manager's name reply is not documented; `arduinoName` stands in for it).
public final class EmulatedInterfaceBoard: LabDevice {
    public static let enhancedName = "tinyML Enhanced Interface Board"
    public static let arduinoName = "EEMBC IO manager (emulated)"

    public let lab: EnergyLab
    public let kind: InterfaceBoard.Kind
    private var command = [UInt8]()
    /// Seconds of host time the DUT may stay silent before the board gives up;
    /// in the lab a silent DUT is an unpowered one and answers at once.
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
