import Foundation

/// JSON written by hand, byte for byte as ``JSONOutput``'s encoder writes it
/// (keys in the order given, which callers keep sorted; `"key" : value` and
/// two-space indents when pretty; numbers as `JSONEncoder` prints them), for
/// records written by the thousand: an accuracy run's samples, one
/// samples.jsonl line each and all of them again in results.json, cost more
/// through `JSONEncoder` than the inferences of a small model.
///
/// Only values whose text is certain are written: strings of printable ASCII
/// without `"` or `\`, finite numbers, non-empty arrays and objects.
/// Anything else marks the writer ``failed``, and the caller encodes that
/// record with `JSONEncoder` instead (which escapes, or throws, as it does).
struct PlainJSON {
    private(set) var bytes = [UInt8]()
    /// True when a value could not be written plainly: ``bytes`` is then unusable.
    private(set) var failed = false
    let pretty: Bool
    /// Nesting depth of the container being written.
    private var depth: Int
    /// Per open container: nothing written in it yet.
    private var empty = [Bool]()

    /// A writer starting at nesting `depth` (the indentation of a value inside a pretty document).
    init(pretty: Bool, depth: Int = 0) {
        self.pretty = pretty
        self.depth = depth
    }

    mutating func openObject() { open(UInt8(ascii: "{")) }
    mutating func closeObject() { close(UInt8(ascii: "}")) }
    mutating func openArray() { open(UInt8(ascii: "[")) }
    mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// A member's key (the value follows).
    mutating func key(_ name: String) {
        separate()
        string(name)
        bytes += pretty ? Self.prettyColon : Self.colon
    }

    /// An array element comes next.
    mutating func element() { separate() }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                failed = true
                return
            }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func number(_ value: Int) {
        bytes += value.description.utf8
    }

    /// As `JSONEncoder` writes a `Double`: its shortest round-trip
    /// `description`, without a trailing `.0`.
    mutating func number(_ value: Double) {
        guard value.isFinite else {
            failed = true
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes += text.utf8
    }

    /// `values` as an array of numbers.
    mutating func numbers(_ values: [Double]) {
        openArray()
        for v in values {
            element()
            number(v)
        }
        closeArray()
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        empty.append(true)
    }

    private mutating func close(_ bracket: UInt8) {
        // An empty container's text differs between pretty and compact output: not written here.
        if empty.removeLast() { failed = true }
        depth -= 1
        newline()
        bytes.append(bracket)
    }

    /// The comma before every member or element but the first, and its line when pretty.
    private mutating func separate() {
        if empty[empty.count - 1] {
            empty[empty.count - 1] = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
        newline()
    }

    private mutating func newline() {
        guard pretty else { return }
        bytes.append(10)
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * depth)
    }

    private static let colon = [UInt8(ascii: ":")]
    private static let prettyColon = Array(" : ".utf8)
}

extension AccuracySample {
    /// The sample as `JSONEncoder` writes it (members in key order, absent
    /// ones left out).
    func write(into json: inout PlainJSON) {
        json.openObject()
        json.key("file")
        json.string(file)
        json.key("label")
        json.number(label)
        if let predicted {
            json.key("predicted")
            json.number(predicted)
        }
        json.key("results")
        json.numbers(results)
        if let score {
            json.key("score")
            json.number(score)
        }
        json.closeObject()
    }

    /// Its samples.jsonl line (without the newline), or nil when only `JSONEncoder` can write it.
    var plainJSONLine: [UInt8]? {
        var json = PlainJSON(pretty: false)
        write(into: &json)
        return json.failed ? nil : json.bytes
    }
}

extension AccuracyReport {
    /// results.json: the report without its samples through `JSONEncoder`,
    /// the samples written by ``PlainJSON`` into the place of the empty
    /// array; the same bytes as encoding it whole, which is what happens
    /// when a sample cannot be written plainly.
    func prettyJSON() throws -> Data {
        let encoder = JSONOutput.encoder()
        var rest = self
        rest.samples = []
        var json = PlainJSON(pretty: true, depth: 1)
        json.openArray()
        for sample in samples {
            json.element()
            sample.write(into: &json)
        }
        json.closeArray()
        let text = try encoder.encode(rest)
        guard !json.failed, let range = Self.emptySamples(in: text) else { return try encoder.encode(self) }
        var whole = Data(text[..<range.lowerBound])
        whole += json.bytes
        whole += text[range.upperBound...]
        return whole
    }

    /// Where the top-level `"samples"` array (empty) is in pretty-printed
    /// report text: from its `[` to past its `]`. A top-level key is the only
    /// one indented by two spaces, and a string holds no raw newline.
    private static func emptySamples(in text: Data) -> Range<Data.Index>? {
        guard let key = text.firstRange(of: Data("\n  \"samples\" : [".utf8)) else { return nil }
        let open = key.upperBound - 1
        guard let close = text[key.upperBound...].firstIndex(of: UInt8(ascii: "]")),
              text[key.upperBound..<close].allSatisfy({ $0 == 10 || $0 == UInt8(ascii: " ") }) else { return nil }
        return open..<(close + 1)
    }
}
