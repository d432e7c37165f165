import TinyBench

/// The generator of each benchmark's demo data.
public enum DemoGenerators {
    public static func generator(for benchmark: Benchmark) -> (any DemoGenerator)? {
        switch benchmark.id {
        case "ic01": ImageClassificationGenerator()
        case "vww01": VisualWakeWordsGenerator()
        default: nil
        }
    }
}
