import Foundation
import Testing
import TinyBench
import TestSupport

/// Emptying a results document's top-level `samples` array by scanning its
/// bytes: the rest of the document must be what a JSON parser reads.
struct TopLevelArrayTests {
    /// The document parsed, with its top-level `samples` replaced by `[]`.
    static func expected(_ text: String) throws -> NSDictionary {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var emptied = object
        emptied["samples"] = [Any]()
        return emptied as NSDictionary
    }

    static func emptied(_ text: String) throws -> NSDictionary? {
        guard let data = TopLevelArray.emptied("samples", in: Data(text.utf8)) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? NSDictionary
    }

    @Test func onlyTheOutermostMemberIsEmptied() throws {
        let text = """
        {"file": "a\\"samples\\" : [1]", "manifest": {"samples": [1, 2]},
         "list": [{"samples": [3]}, "samples", ["samples"]],
         "samples" : [ {"file": "x]y", "results": [0.5, [1]], "note": "\\\\"}, {"samples": [9]} ],
         "top1": 0.5}
        """
        let got = try #require(try Self.emptied(text))
        #expect(got == (try Self.expected(text)))
        #expect((got["manifest"] as? NSDictionary)?["samples"] as? [Int] == [1, 2])
    }

    @Test func whatIsNotAnArrayOfTheOutermostObjectIsLeftAlone() throws {
        #expect(TopLevelArray.emptied("samples", in: Data(#"{"a": {"samples": [1]}}"#.utf8)) == nil)
        #expect(TopLevelArray.emptied("samples", in: Data(#"{"samples": null, "b": [1]}"#.utf8)) == nil)
        #expect(TopLevelArray.emptied("samples", in: Data(#"{"samples": [1, 2"#.utf8)) == nil)
        #expect(TopLevelArray.emptied("samples", in: Data(#"{"x": "unterminated"#.utf8)) == nil)
        #expect(TopLevelArray.emptied("samples", in: Data(#"["samples", [1]]"#.utf8)) == nil)
    }

    /// Random documents with `samples` keys at every depth, strings holding
    /// quotes, escapes and brackets: the scan agrees with the parser.
    @Test func randomDocumentsAgreeWithTheParser() throws {
        var rng = SeededGenerator(seed: 20261130)
        let words = ["samples", "file", "x", "s\\\"amples", "[", "]", "{", "}", ":", ",", "\\\\", "samples\\\" : ["]
        func string() -> String { "\"" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined() + "\"" }
        func value(_ depth: Int) -> String {
            switch depth > 3 ? Int.random(in: 0...2, using: &rng) : Int.random(in: 0...4, using: &rng) {
            case 0: return String(Double(Int.random(in: -999...999, using: &rng)) / 8)
            case 1: return string()
            case 2: return ["true", "false", "null"].randomElement(using: &rng)!
            case 3: return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) }.joined(separator: ", ") + "]"
            default: return object(depth + 1)
            }
        }
        func object(_ depth: Int, samples: Bool = false) -> String {
            var members = (0..<Int.random(in: 0...3, using: &rng)).map { _ in (Bool.random(using: &rng) ? "\"samples\"" : string()) + " : " + value(depth) }
            members = Array(Dictionary(members.map { ($0.split(separator: ":", maxSplits: 1)[0], $0) }, uniquingKeysWith: { a, _ in a }).values)
            members.removeAll { $0.hasPrefix("\"samples\"") && depth == 1 }
            if samples { members.insert("\"samples\" :\n [" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth + 1) }.joined(separator: ",") + "]", at: Int.random(in: 0...members.count, using: &rng)) }
            return "{" + members.joined(separator: ",\n  ") + "}"
        }
        var checked = 0
        for _ in 0..<300 {
            let text = object(1, samples: true)
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil else { continue }
            #expect(try Self.emptied(text) == (try Self.expected(text)), "\(text)")
            checked += 1
        }
        #expect(checked > 200)
    }
}
