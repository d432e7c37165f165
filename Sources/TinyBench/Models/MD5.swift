import Foundation

/// MD5 (RFC 1321), for checking downloads against published sums. Not for
/// anything security-related: the sums only catch corrupt or wrong files.
public struct MD5 {
    private var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
    private var blocks = HashBlocks()

    private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    // floor(abs(sin(i + 1)) * 2^32), the RFC's table T.
    private static let table: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64((abs(sin(Double($0 + 1))) * 4_294_967_296).rounded(.down))) }

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        var s = state
        blocks.append(bytes) { Self.compress($0, into: &s) }
        state = s
    }

    public func hexDigest() -> String {
        var s = state
        for block in blocks.finalBlocks(bigEndianLength: false) { Self.compress(block, into: &s) }
        return s.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * UInt32($0))) } }
            .map { String(format: "%02x", $0) }.joined()
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var md5 = MD5()
        md5.update(bytes)
        return md5.hexDigest()
    }

    private static func compress(_ block: [UInt8], into state: inout [UInt32]) {
        let m = (0..<16).map { i in (0..<4).reduce(UInt32(0)) { $0 | UInt32(block[4 * i + $1]) << (8 * UInt32($1)) } }
        var (a, b, c, d) = (state[0], state[1], state[2], state[3])
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ table[i] &+ m[g]
            a = d
            d = c
            c = b
            b = b &+ (f << shifts[i] | f >> (32 - shifts[i]))
        }
        for (i, v) in [a, b, c, d].enumerated() { state[i] = state[i] &+ v }
    }
}


