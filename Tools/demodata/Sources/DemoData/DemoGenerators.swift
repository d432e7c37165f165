import Foundation
import TinyBench
import TinyRuntime

/// The generator of each benchmark's demo data.
public enum DemoGenerators {
    /// `demoRoot` holds `models/<benchmark>.tflite`; kws01 features are
    /// quantized with that model's input parameters when it exists.
    public static func generator(for benchmark: Benchmark, demoRoot: URL? = nil) throws -> (any DemoGenerator)? {
        switch benchmark.id {
        case "kws01":
            if let root = demoRoot, let bytes = FileManager.default.contents(atPath: DemoData.model(.kws01, in: root).path) {
                return try KeywordSpottingGenerator(model: Model(bytes: [UInt8](bytes)))
            }
            return KeywordSpottingGenerator()
        case "ad01": return AnomalyDetectionGenerator()
        case "ic01": return ImageClassificationGenerator()
        case "vww01": return VisualWakeWordsGenerator()
        default: return nil
        }
    }
}
