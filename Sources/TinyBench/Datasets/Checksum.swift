import Crypto
import Foundation

/// Hex digests, computed by swift-crypto: SHA-256 fingerprints models,
/// datasets and firmware; MD5 checks the reference models' published sums.
public enum Checksum {
    /// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
    public static func sha256(_ bytes: some DataProtocol) -> String { SHA256.hash(data: bytes).hex }

    /// The MD5 digest of `bytes` as 32 lowercase hex digits.
    public static func md5(_ bytes: some DataProtocol) -> String { Insecure.MD5.hash(data: bytes).hex }
}

extension Digest {
    /// The digest as lowercase hex digits.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in self { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: text, as: UTF8.self)
    }
}
