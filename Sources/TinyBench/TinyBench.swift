/// The TinyBench host harness library: benchmarks, datasets, the DUT protocol,
/// transports, sessions, metrics and reports.
public enum TinyBenchInfo {
    /// The tool's version, recorded in every session manifest.
    public static let version = "0.1.0"
}
