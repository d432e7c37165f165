/// Splits a DUT's byte stream into lines, tolerating what real serial links
/// produce: CR LF, LF or lone CR endings, NUL bytes, and non-ASCII noise.
public struct LineReader: Sendable {
    private var partial = [UInt8]()
    /// Longest line kept; garbage without line endings cannot grow memory.
    public static let maxLineLength = 4096

    public init() {}

    /// Adds received bytes; returns the lines they complete, without endings and blank lines.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        var lines = [String]()
        for b in bytes {
            switch b {
            case 0: continue
            case 10, 13:
                if !partial.isEmpty {
                    lines.append(String(decoding: partial, as: UTF8.self))
                    partial.removeAll(keepingCapacity: true)
                }
            default:
                if partial.count < Self.maxLineLength { partial.append(b) }
            }
        }
        return lines
    }

    /// Whether bytes of a line without its ending are held.
    public var holdsPartialLine: Bool { !partial.isEmpty }

    /// Drops any partial line (after a resynchronisation).
    public mutating func reset() {
        partial.removeAll()
    }
}
