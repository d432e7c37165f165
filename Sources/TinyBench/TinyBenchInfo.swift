/// Facts about this build of TinyBench.
public enum TinyBenchInfo {
    /// The tool's version, recorded in every session manifest.
    public static let version = "0.1.0"
}
