/// The LPM01A's (PowerShield's) data formats, as pure functions.
public enum LPM01AFormat {
    /// An ascii_dec value: four digits, a sign, a two-digit exponent
    /// (`2712-09` = 2712 × 10⁻⁹). Nil for anything else.
    public static func decimal(_ text: Substring) -> Double? {
        let b = Array(text.utf8)
        guard b.count == 7, b[0..<4].allSatisfy(isDigit), b[4] == 43 || b[4] == 45, isDigit(b[5]), isDigit(b[6]) else { return nil }
        let mantissa = b[0..<4].reduce(0) { $0 * 10 + Int($1 - 48) }
        let exponent = Int(b[5] - 48) * 10 + Int(b[6] - 48)
        return Double(mantissa) * pow10(b[4] == 45 ? -exponent : exponent)
    }

    /// The ascii_dec text of `value` (four significant digits), as the monitor prints it.
    public static func decimalText(_ value: Double) -> String {
        guard value > 0, value.isFinite else { return "0000+00" }
        var exponent = Int((value.magnitude).log10Floor) - 3
        var mantissa = Int((value / pow10(exponent)).rounded())
        if mantissa >= 10_000 {
            exponent += 1
            mantissa = Int((value / pow10(exponent)).rounded())
        } else if mantissa < 1000 {
            exponent -= 1
            mantissa = Int((value / pow10(exponent)).rounded())
        }
        let e = min(abs(exponent), 99)
        return String(mantissa) + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    /// One item of a bin_hexa stream.
    public enum BinaryItem: Equatable, Sendable {
        /// A sample: 12-bit mantissa × 16^-exponent (amperes in current mode).
        case value(Double)
        /// A metadata packet `F0 <type> <body> FF FF`: F1 error, F2 info, F3
        /// timestamp, F4 end of acquisition, F5 overcurrent, F6 target power
        /// down, F7 voltage.
        case metadata(type: UInt8, body: [UInt8])
    }

    /// Decodes a bin_hexa stream incrementally: 16-bit big-endian words, top
    /// nibble the exponent, low 12 bits the mantissa; 0xF0 opens a metadata
    /// packet ended by FF FF. Bytes of an unfinished word or packet wait for
    /// the next call.
    public struct BinaryDecoder: Sendable {
        private var pending = [UInt8]()
        /// Longest metadata body kept; a packet without its end marker is cut here.
        public static let maxPacket = 256

        public init() {}

        public mutating func feed(_ bytes: [UInt8]) -> [BinaryItem] {
            pending += bytes
            var items = [BinaryItem]()
            var i = 0
            while i < pending.count {
                if pending[i] == 0xF0 {
                    guard i + 1 < pending.count else { break }
                    let type = pending[i + 1]
                    var j = i + 2
                    while j + 1 < pending.count, !(pending[j] == 0xFF && pending[j + 1] == 0xFF), j - i < Self.maxPacket { j += 1 }
                    if j + 1 < pending.count, pending[j] == 0xFF, pending[j + 1] == 0xFF {
                        items.append(.metadata(type: type, body: Array(pending[(i + 2)..<j])))
                        i = j + 2
                    } else if j - i >= Self.maxPacket {
                        items.append(.metadata(type: type, body: Array(pending[(i + 2)..<j])))
                        i = j
                    } else {
                        break
                    }
                } else {
                    guard i + 1 < pending.count else { break }
                    let word = UInt16(pending[i]) << 8 | UInt16(pending[i + 1])
                    items.append(.value(Double(word & 0x0FFF) * pow16(-Int(word >> 12))))
                    i += 2
                }
            }
            pending.removeFirst(i)
            return items
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e < 0 ? 1 / r : r
    }

    static func pow16(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 16 }
        return e < 0 ? 1 / r : r
    }
}

private extension Double {
    /// ⌊log₁₀ self⌋ for positive finite values, exact at powers of ten.
    var log10Floor: Double {
        var e = 0.0, v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}
