import Foundation
import TinyBench

/// The reference firmware's input buffer and the commands that fill it:
/// `db load N`, `db HH..` (hex), `db print`, and TinyBench's binary `tb-db`
/// blocks (Docs/protocol.md). Messages and limits are those of the
/// reference `internally_implemented.cpp`; the emulated DUTs share it.
struct DUTInputBuffer {
    /// Bytes the buffer holds (the reference's 27 648).
    static let capacity = 27_648
    /// Hex digits one `db` command can carry (the 80-character command buffer).
    static let commandLimit = 80

    private(set) var bytes = [UInt8](repeating: 0, count: DUTInputBuffer.capacity)
    /// The size announced by `db load` (or a block's header).
    private(set) var size = 0
    /// Bytes received so far.
    private(set) var position = 0

    /// What has been loaded, as far as the buffer holds it.
    var loaded: ArraySlice<UInt8> { bytes[0..<min(max(position, 0), Self.capacity)] }

    /// Forgets the input in progress (a reset).
    mutating func clear() {
        size = 0
        position = 0
    }

    /// The reply lines to `db <args>` (without `m-ready`).
    mutating func database(_ args: [String]) -> [String] {
        guard let sub = args.first else { return ["e-[Command 'db' requires a subcommand]"] }
        switch sub {
        case "load":
            guard args.count > 1 else { return ["e-[Command 'db load' requires the # of bytes]"] }
            let n = CString.atoi(args[1])
            guard n != 0 else { return ["e-[Command 'db load' must be >0 bytes]"] }
            size = n
            position = 0
            guard n > 0, n <= Self.capacity else {
                return ["Supplied buffer size \(n) exceeds maximum of \(Self.capacity)"]
            }
            return ["m-[Expecting \(n) bytes]"]
        case "print":
            var lines = [String]()
            var i = 0
            while i < min(max(size, 0), Self.capacity) {
                let row = bytes[i..<min(i + 8, size)]
                lines.append("m-buffer-" + row.map { String(format: "%02x", $0) }.joined(separator: "-"))
                i += 8
            }
            return lines
        default:
            let digits = Array(sub.utf8.prefix(Self.commandLimit))
            guard digits.count % 2 == 0 else { return ["e-[Insufficent number of hex digits]"] }
            var i = 0
            while i < digits.count {
                guard let hi = Self.hex(digits[i]), let lo = Self.hex(digits[i + 1]) else {
                    return ["e-[Invalid hex digit '\(String(decoding: digits[i..<(i + 2)], as: UTF8.self))']"]
                }
                // Past the end of the buffer the reference would corrupt memory; we drop the byte.
                if position < Self.capacity { bytes[position] = hi << 4 | lo }
                position += 1
                i += 2
                if position == size { return ["m-load-done"] }
            }
            return []
        }
    }

    /// A received binary block (header `text`, payload + CRC in `data`): stored
    /// when its CRC matches and its numbers fit the input in progress, else
    /// rejected with nothing changed (Docs/protocol.md, "Binary input blocks").
    mutating func storeBlock(_ h: BinaryBlock.Header, text: String, _ data: [UInt8]) -> [String] {
        let payload = Array(data.prefix(h.length))
        guard CRC32.trailer(data.suffix(BinaryBlock.crcLength)) == CRC32.checksum(payload, initial: CRC32.checksum(Array(text.utf8))) else {
            return ["e-[tb-db: CRC mismatch, block discarded]"]
        }
        return store(h, payload)
    }

    /// A block whose CRC matched: stored when its numbers fit the input in progress.
    mutating func store(_ h: BinaryBlock.Header, _ payload: [UInt8]) -> [String] {
        guard h.size >= 1, h.size <= Self.capacity, h.offset + h.length <= h.size else {
            return ["e-[tb-db: block outside the \(Self.capacity)-byte input buffer]"]
        }
        if h.shift > 0 {
            guard size == h.size, position == h.size, h.shift <= h.size, h.offset == h.size - h.shift else {
                return ["e-[tb-db: no complete input of \(h.size) bytes to slide]"]
            }
            bytes.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return }
                _ = memmove(base, base + h.shift, h.size - h.shift)
            }
        } else if h.offset == 0 {
            size = h.size
        } else {
            guard size == h.size, h.offset <= position else {
                return ["e-[tb-db: block at \(h.offset) does not follow the \(position) bytes held]"]
            }
        }
        bytes.replaceSubrange(h.offset..<(h.offset + h.length), with: payload)
        position = h.offset + h.length
        return position == size ? ["m-load-done"] : []
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

/// C library behaviour the firmware's argument parsing relies on.
enum CString {
    /// C `atoi`: leading whitespace, optional sign, digits; 0 when there are none.
    static func atoi(_ s: String) -> Int {
        var value = 0, sign = 1, started = false
        for (i, c) in s.utf8.enumerated() {
            if i == 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) {
                sign = c == UInt8(ascii: "-") ? -1 : 1
                continue
            }
            guard c >= 48 && c <= 57 else { break }
            started = true
            value = min(value * 10 + Int(c - 48), Int(Int32.max))
        }
        return started ? sign * value : 0
    }
}
