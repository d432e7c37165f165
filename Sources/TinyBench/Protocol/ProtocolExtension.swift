/// TinyBench's extensions to the MLPerf Tiny / EEMBC DUT protocol, in one place
/// (documented in Docs/protocol.md). A host uses one only after the DUT has
/// answered it; a DUT that replies `e-[Unknown command: ...]` gets the standard
/// protocol only.
public enum ProtocolExtension: String, CaseIterable, Sendable {
    /// `tb-raw%` → `m-tb-raw-[<hex>]`: the raw bytes of the model's output
    /// tensor after the last inference, for byte-exact comparisons.
    case raw = "tb-raw"

    /// The reply line's prefix, e.g. `m-tb-raw-[`.
    public var replyPrefix: String { "m-\(rawValue)-[" }
}
