/// The MLPerf Tiny reference models in the public mlcommons/tiny repository:
/// where each lives and the MD5 it must have (the sums of the files at the
/// pinned commit, equal to the repository's own .md5 files where it has them).
public struct ReferenceModel: Sendable, Equatable {
    public var benchmark: String
    /// Path under the base URL.
    public var path: String
    public var md5: String
    public var bytes: Int

    public init(benchmark: String, path: String, md5: String, bytes: Int) {
        self.benchmark = benchmark
        self.path = path
        self.md5 = md5
        self.bytes = bytes
    }

    /// File name `tinybench models fetch` saves it under: `<benchmark>.tflite`.
    public var fileName: String { "\(benchmark).tflite" }

    /// mlcommons/tiny at 1afd2c9 (2026-05-12), the newest commit seen; the files have not changed since bceb91c / 1bbcf37.
    public static let defaultBaseURL = "https://raw.githubusercontent.com/mlcommons/tiny/1afd2c9820f795965a6134facd0b4dfae41ef23f/"

    public static let all: [ReferenceModel] = [
        ReferenceModel(benchmark: "kws01", path: "benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
                       md5: "618aeb155673dae92fa6a7f26608add5", bytes: 53_936),
        ReferenceModel(benchmark: "vww01", path: "benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite",
                       md5: "f0b011416abee0343a5d130cb1f4c18f", bytes: 333_288),
        ReferenceModel(benchmark: "ad01", path: "benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite",
                       md5: "361fa1b1b871e2068b2ab38d9805ef56", bytes: 276_976),
        ReferenceModel(benchmark: "ic01", path: "benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
                       md5: "2d6dd48722471313e4c4528249205ae3", bytes: 98_496),
        ReferenceModel(benchmark: "ic02", path: "benchmark/training/image_classification/trained_models/pretrainedResnet_large_int8.tflite",
                       md5: "a1557194b784a2a1842bf6896f30ce7e", bytes: 512_024),
        ReferenceModel(benchmark: "sww01", path: "benchmark/training/streaming_wakeword/trained_models/str_ww_ref_model.tflite",
                       md5: "9643512e0b8a0b6e643e70c2fec496ee", bytes: 74_520),
    ]
}
