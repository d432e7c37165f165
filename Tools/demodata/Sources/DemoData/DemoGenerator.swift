import TinyBench

/// Which part of the synthetic data to make: the bundled test set, or a
/// training set (never bundled; `Tools/train` makes it on demand). The two use
/// different random streams, so no training sample equals a test sample.
public enum DemoSplit: String, CaseIterable, Sendable {
    case test, train
}

/// Makes one benchmark's synthetic demo dataset, deterministically: the same
/// split and count give the same bytes on every run and machine.
public protocol DemoGenerator {
    var benchmark: Benchmark { get }
    /// Samples in the bundled test set.
    var defaultTestCount: Int { get }
    /// Writes `count` samples of `split` through `writer` (which checks sizes and labels).
    func generate(split: DemoSplit, count: Int, into writer: inout DatasetWriter) throws
}
