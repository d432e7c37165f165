import Foundation
import Yams

/// A problem in an MLCommons Tiny runner file (a devices.yaml or a
/// tests_*.yaml), or in choosing devices from one: where it is and what is
/// wrong, printed as `file:line: entry: message`.
public struct RunnerFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    /// 1-based line, when the problem is tied to one place in the file.
    public var line: Int?
    /// The entry concerned: `entry 4 (l4r5zi)` in a devices file, the
    /// benchmark id in a tests file.
    public var entry: String?
    public var message: String

    public init(file: String, line: Int? = nil, entry: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.entry = entry
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(entry.map { "\($0): " } ?? "")\(message)"
    }
}

/// Reading runner YAML through Yams' node API, so every value keeps its line
/// for error messages. Both runner files are read by PyYAML with YAML 1.1
/// rules; Yams' default resolver follows the same 1.1 rules for what matters
/// here (`0x0483` is an int, `False` is a bool).
enum RunnerYAML {
    /// The document's root node, or nil for an empty document.
    static func root(_ text: String, file: String) throws(RunnerFileError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RunnerFileError(file: file, line: line(of: error, in: text), message: "not valid YAML: \(problem(of: error))")
        } catch {
            throw RunnerFileError(file: file, message: "not valid YAML: \(error)")
        }
    }

    /// Reads a file as UTF-8 text.
    static func read(path: String) throws(RunnerFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunnerFileError(file: path, message: FileManager.default.fileExists(atPath: path)
                ? "cannot be read (permissions?)" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunnerFileError(file: path, message: "is not UTF-8 text")
        }
        return text
    }

    /// The entries of a mapping whose keys are plain strings, in file order.
    /// Keys that are not scalars (a YAML complex key) cannot be runner keys.
    static func pairs(_ mapping: Node.Mapping) -> [(key: String, keyNode: Node, value: Node)] {
        mapping.map { (key: $0.key.scalar?.string ?? "\($0.key)", keyNode: $0.key, value: $0.value) }
    }

    /// Whether a node's resolved tag is `tag` (`0x0483` resolves to int, `False` to bool).
    static func has(_ node: Node, tag: Tag.Name) -> Bool {
        node.tag.rawValue == tag.rawValue
    }

    static func isNull(_ node: Node) -> Bool {
        node.scalar != nil && has(node, tag: .null)
    }

    /// An unquoted integer scalar in any YAML 1.1 notation (`115200`,
    /// `0x0483`, `0o17`, `1_000`), as PyYAML reads it; nil for anything else,
    /// including a quoted number, which PyYAML reads as a string.
    static func int(_ node: Node) -> Int? {
        guard has(node, tag: .int) else { return nil }
        return node.int
    }

    /// An unquoted int or float scalar.
    static func number(_ node: Node) -> Double? {
        guard has(node, tag: .int) || has(node, tag: .float) else { return nil }
        if let i = node.int { return Double(i) }
        return node.float
    }

    /// A short rendering of a value for error messages: the scalar as
    /// written, or the kind of collection.
    static func show(_ node: Node) -> String {
        if isNull(node) { return "nothing" }
        return switch node {
        case .scalar(let s): s.style == .plain || s.style == .any ? s.string : "\"\(s.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private static func line(of error: YamlError, in text: String) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): mark.line
        case let .duplicatedKeysInMapping(_, context): context.mark.line
        case let .reader(_, offset, _, _):
            offset.map { offset in text.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _), let .composer(context, problem, _, _):
            context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem
        case let .duplicatedKeysInMapping(duplicates, _):
            "duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) in one mapping"
        case let .reader(problem, _, _, _): problem
        default: "\(error)"
        }
    }
}
