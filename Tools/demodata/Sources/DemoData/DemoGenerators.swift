import Foundation
import TinyBench
import TinyRuntime

/// The generator of each benchmark's demo data.
public enum DemoGenerators {
    /// `demoRoot` holds `models/<benchmark>.tflite`; kws01 features are
    /// quantized with that model's input parameters when it exists.
    public static func generator(for benchmark: Benchmark, demoRoot: URL? = nil) throws -> any DemoGenerator {
        switch benchmark.rawData {
        case .speechCommands:
            if let root = demoRoot, let bytes = FileManager.default.contents(atPath: DemoData.model(benchmark, in: root).path) {
                return try KeywordSpottingGenerator(model: Model(bytes: [UInt8](bytes)))
            }
            return KeywordSpottingGenerator()
        case .machineSounds: return AnomalyDetectionGenerator()
        case .cifar10: return ImageClassificationGenerator()
        case .personImages: return VisualWakeWordsGenerator()
        }
    }
}
