import CZlib

/// One binary input block of TinyBench's `binary-db` extension
/// (Docs/protocol.md, "Binary input blocks"): the header command
/// `tb-db SIZE OFFSET LENGTH SHIFT%`, then LENGTH raw payload bytes, then the
/// CRC-32 of the header text and the payload, little-endian. The DUT stores
/// the payload at OFFSET of an input of SIZE bytes only when the CRC matches;
/// SHIFT > 0 first slides the complete input it holds left by SHIFT bytes
/// (consecutive AD windows overlap), so only the new bytes travel.
public struct BinaryBlock: Sendable, Equatable {
    /// Longest payload of one block: a DUT needs this much staging memory,
    /// and a host that lost track of a block sends this many filler bytes.
    public static let maxLength = 4096
    /// Bytes of the trailing CRC-32.
    public static let crcLength = 4

    public var size: Int
    public var offset: Int
    public var shift: Int
    public var payload: [UInt8]

    public init(size: Int, offset: Int, shift: Int = 0, payload: [UInt8]) {
        self.size = size
        self.offset = offset
        self.shift = shift
        self.payload = payload
    }

    /// The header command without its `%`, e.g. `tb-db 2560 0 2560 0`.
    public var header: String { BinaryBlock.Header(size: size, offset: offset, length: payload.count, shift: shift).text }

    /// How many bytes ``wireBytes`` holds (counted, not written out).
    public var wireCount: Int {
        Header(size: size, offset: offset, length: payload.count, shift: shift).textCount + 1 + payload.count + Self.crcLength
    }

    /// Everything the host writes for this block: header, `%`, payload, CRC.
    public var wireBytes: [UInt8] {
        let head = Array(header.utf8)
        let crc = CRC32.checksum(payload, initial: CRC32.checksum(head))
        return head + [UInt8(ascii: "%")] + payload + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
    }

    /// The four numbers of a `tb-db` header.
    public struct Header: Sendable, Equatable {
        public var size, offset, length, shift: Int

        public init(size: Int, offset: Int, length: Int, shift: Int) {
            self.size = size
            self.offset = offset
            self.length = length
            self.shift = shift
        }

        /// From a received command (without `%`): nil unless it is `tb-db`
        /// with four decimal numbers and a length of 1 to ``BinaryBlock/maxLength``
        /// (a DUT given anything else stays in line mode).
        public init?(command: String) {
            // Most commands are not blocks: told by their first word before any splitting.
            guard command.utf8.drop(while: { $0 == UInt8(ascii: " ") }).starts(with: Self.name.utf8) else { return nil }
            let words = command.split(separator: " ")
            guard words.count == 5, words[0] == Substring(ProtocolExtension.binaryBlock.rawValue) else { return nil }
            let numbers = words.dropFirst().map { $0.count <= 9 && $0.allSatisfy(\.isASCIIDigitCharacter) ? Int($0) : nil }
            guard let size = numbers[0], let offset = numbers[1], let length = numbers[2], let shift = numbers[3],
                  (1...BinaryBlock.maxLength).contains(length) else { return nil }
            self.init(size: size, offset: offset, length: length, shift: shift)
        }

        public var text: String { "\(Self.name) \(size) \(offset) \(length) \(shift)" }

        /// How many bytes ``text`` holds.
        var textCount: Int {
            [size, offset, length, shift].reduce(Self.name.utf8.count) { $0 + 1 + $1.description.utf8.count }
        }

        private static let name = ProtocolExtension.binaryBlock.rawValue
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`).
public enum CRC32 {
    /// The CRC of `bytes`, continuing from `initial` (the CRC of what came before).
    public static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(uLong(initial), $0.baseAddress, uInt($0.count))) }
    }

    /// The CRC of `bytes` as little-endian trailer bytes read back.
    public static func trailer(_ bytes: some Collection<UInt8>) -> UInt32 {
        bytes.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
    }
}
