/// The message framing SHA-256 and MD5 share: input cut into 64-byte blocks,
/// and at the end a 0x80 byte, zeros up to 56 bytes mod 64, and the message
/// length in bits (SHA-256 big-endian, MD5 little-endian).
struct HashBlocks {
    private var pending = [UInt8]()
    private var length: UInt64 = 0

    /// Adds bytes, handing every completed block to `compress`.
    mutating func append(_ data: some Sequence<UInt8>, _ compress: ([UInt8]) -> Void) {
        for byte in data {
            pending.append(byte)
            length &+= 1
            if pending.count == 64 {
                compress(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The final block or two, padded; the bit length in the byte order the hash wants.
    func finalBlocks(bigEndianLength: Bool) -> [[UInt8]] {
        let bits = length &* 8
        var tail = pending + [0x80]
        while tail.count % 64 != 56 { tail.append(0) }
        tail += (0..<8).map { i in UInt8(truncatingIfNeeded: bits >> (8 * UInt64(bigEndianLength ? 7 - i : i))) }
        return stride(from: 0, to: tail.count, by: 64).map { Array(tail[$0..<$0 + 64]) }
    }
}
