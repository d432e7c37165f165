import Foundation

/// A top-level array of a JSON document found by scanning its bytes, so that
/// a reader who needs everything but that array can decode the document
/// without it: an accuracy results.json is mostly its `samples`, and the
/// summary, the report and the history each want only its headline.
/// The scan follows the JSON structure (strings and their escapes, nesting),
/// so the key is found only where it is a member of the outermost object.
public enum TopLevelArray {
    /// `document` with the array that top-level member `key` holds emptied
    /// (`[]`), or nil when there is no such member or the text is not a
    /// well-formed object as far as the scan goes: the caller then decodes
    /// the document as it is, and its decoder reports any error.
    public static func emptied(_ key: String, in document: Data) -> Data? {
        guard let range = contents(of: key, in: document) else { return nil }
        var out = Data(document[..<range.lowerBound])
        out += document[range.upperBound...]
        return out
    }

    /// The bytes between the `[` and `]` of the array top-level member `key` holds.
    public static func contents(of key: String, in document: Data) -> Range<Data.Index>? {
        let wanted = Array(key.utf8)
        return document.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Range<Int>? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var depth = 0
            var i = 0
            // Set after a string that may be a key of the outermost object, until its colon.
            var lastString: Range<Int>?
            var keyIsWanted = false
            var arrayStart: Int?
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""):
                    let start = i + 1
                    i += 1
                    while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                        i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard i < bytes.count else { return nil }
                    lastString = depth == 1 && arrayStart == nil ? start..<i : nil
                case UInt8(ascii: ":"):
                    keyIsWanted = lastString.map { bytes[$0].elementsEqual(wanted) } ?? false
                    lastString = nil
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth == 1 && keyIsWanted && byte == UInt8(ascii: "[") && arrayStart == nil { arrayStart = i + 1 }
                    keyIsWanted = false
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    guard depth >= 0 else { return nil }
                    if depth == 1, let start = arrayStart, byte == UInt8(ascii: "]") { return start..<i }
                case UInt8(ascii: ","):
                    keyIsWanted = false
                    lastString = nil
                default:
                    break
                }
                i += 1
            }
            return nil
        }.map { (document.startIndex + $0.lowerBound)..<(document.startIndex + $0.upperBound) }
    }
}
