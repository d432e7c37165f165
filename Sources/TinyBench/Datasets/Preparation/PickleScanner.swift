/// Reads the values out of a Python pickle without running it: a walk over
/// the opcodes (protocols 0–5) that reports strings, byte strings and
/// integers in stream order. That is all the CIFAR-10 Python batches need
/// (their `filenames`, `labels` and the raw bytes of `data`), and it never
/// executes the GLOBAL/REDUCE instructions a real unpickler would.
struct PickleScanner {
    enum Value: Equatable {
        case string([UInt8])
        case int(Int)
    }

    /// Every string-like and integer value, in order; throws on a truncated
    /// stream or an opcode it does not know.
    static func values(_ bytes: [UInt8], name: String) throws(PreparationError) -> [Value] {
        var out = [Value]()
        var i = 0
        func fail(_ why: String) -> PreparationError { .badSource(name, "pickle: \(why) at byte \(i)") }
        func take(_ n: Int) throws(PreparationError) -> ArraySlice<UInt8> {
            guard n >= 0, n <= bytes.count - i else { throw fail("truncated") }
            defer { i += n }
            return bytes[i..<i + n]
        }
        func little(_ n: Int) throws(PreparationError) -> Int {
            let b = try take(n)
            return b.reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        func line() throws(PreparationError) -> ArraySlice<UInt8> {
            guard let end = bytes[i...].firstIndex(of: 10) else { throw fail("unterminated line") }
            defer { i = end + 1 }
            return bytes[i..<end]
        }
        while i < bytes.count {
            let op = bytes[i]
            i += 1
            switch op {
            case UInt8(ascii: "."): return out                                            // STOP
            case UInt8(ascii: "K"): out.append(.int(try little(1)))                       // BININT1
            case UInt8(ascii: "M"): out.append(.int(try little(2)))                       // BININT2
            case UInt8(ascii: "J"): out.append(.int(Int(Int32(truncatingIfNeeded: try little(4)))))   // BININT
            case UInt8(ascii: "I"), UInt8(ascii: "L"):                                    // INT, LONG (text)
                let text = String(decoding: try line(), as: UTF8.self)
                if let v = Int(text.trimmingSuffix("L")) { out.append(.int(v)) }
            case UInt8(ascii: "U"), UInt8(ascii: "C"), 0x8c:                               // SHORT_BINSTRING/BYTES/UNICODE
                out.append(.string(Array(try take(try little(1)))))
            case UInt8(ascii: "T"), UInt8(ascii: "B"), UInt8(ascii: "X"):                 // BINSTRING, BINBYTES, BINUNICODE
                out.append(.string(Array(try take(try little(4)))))
            case 0x8d, 0x8e, 0x96:                                                        // BINUNICODE8, BINBYTES8, BYTEARRAY8
                out.append(.string(Array(try take(try little(8)))))
            case UInt8(ascii: "S"), UInt8(ascii: "V"):                                    // STRING, UNICODE (text, quoted/escaped)
                var text = Array(try line())
                if op == UInt8(ascii: "S"), text.count >= 2 { text = Array(text.dropFirst().dropLast()) }
                out.append(.string(text))
            case UInt8(ascii: "c"), UInt8(ascii: "i"):                                    // GLOBAL, INST: module and name lines
                _ = try line(); _ = try line()
            case UInt8(ascii: "F"), UInt8(ascii: "P"), UInt8(ascii: "p"), UInt8(ascii: "g"):   // FLOAT, PERSID, PUT, GET
                _ = try line()
            case UInt8(ascii: "h"), UInt8(ascii: "q"), 0x80, 0x82: _ = try take(1)       // BINGET, BINPUT, PROTO, EXT1
            case 0x83: _ = try take(2)                                                    // EXT2
            case UInt8(ascii: "j"), UInt8(ascii: "r"), 0x84: _ = try take(4)             // LONG_BINGET, LONG_BINPUT, EXT4
            case UInt8(ascii: "G"), 0x95: _ = try take(8)                                 // BINFLOAT, FRAME
            case 0x8a: _ = try take(try little(1))                                        // LONG1
            case 0x8b: _ = try take(try little(4))                                        // LONG4
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "a"),
                 UInt8(ascii: "e"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "t"), UInt8(ascii: "R"),
                 UInt8(ascii: "b"), UInt8(ascii: "N"), UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "2"),
                 UInt8(ascii: "l"), UInt8(ascii: "d"), UInt8(ascii: "o"), 0x81, 0x85, 0x86, 0x87, 0x88, 0x89,
                 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
                continue                                                                  // no argument
            default:
                i -= 1
                throw fail("unknown opcode 0x\(String(op, radix: 16))")
            }
        }
        throw .badSource(name, "pickle: no STOP opcode (truncated file)")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
