import Foundation

/// How tinybench writes JSON: keys sorted (files compare line by line between
/// runs), slashes left as they are (`"/tmp/x"`, not `"\/tmp\/x"`), and pretty
/// printed wherever a person may read the file.
public enum JSONOutput {
    /// A new encoder; `pretty: false` writes one line (JSON Lines records).
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The same options for `JSONSerialization` (untyped values).
    public static let serializationOptions: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
}
