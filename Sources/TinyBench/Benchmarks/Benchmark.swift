/// One MLPerf Tiny benchmark: what a sample is, how it travels to the DUT, how
/// results decode, what is scored. Code elsewhere asks these properties; it
/// never compares benchmark ids.
public struct Benchmark: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// How a DUT's results line becomes a prediction.
    public enum Metric: Sendable, Equatable, Hashable {
        /// Argmax of the result vector against the label; target top-1 accuracy (0...1).
        case top1(target: Double)
        /// The single result is an anomaly score; ROC AUC over files against the target.
        case auc(target: Double)

        /// The quality target (a fraction for top-1, an AUC).
        public var target: Double {
            switch self {
            case .top1(let t), .auc(let t): t
            }
        }
    }

    /// What the bytes of a sample are, and what the reference submitter code's
    /// `th_load_tensor` does with them.
    public enum InputEncoding: Sendable, Equatable, Hashable {
        /// int8 features, copied into the model's input as they are (kws01).
        case int8
        /// uint8 RGB; the DUT subtracts 128 to get the int8 input (vww01, ic01, ic02).
        case uint8Offset128
        /// Little-endian float32 values the DUT quantizes with the model's input
        /// scale and zero point (round half away from zero, clamp), keeping the
        /// floats to score the reconstruction (ad01).
        case float32

        /// Bytes per model input element on the wire.
        public var bytesPerElement: Int { self == .float32 ? 4 : 1 }
    }

    /// The public raw data a dataset is prepared from (`tinybench dataset prepare`).
    public enum RawData: Sendable, Equatable, Hashable {
        /// Speech Commands v0.02 wavs → MFCC features.
        case speechCommands
        /// Visual Wake Words person / non-person JPEG folders.
        case personImages
        /// ToyADMOS / DCASE 2020 task 2 machine sounds → log-mel spectrograms.
        case machineSounds
        /// CIFAR-10 test batch.
        case cifar10
    }

    /// The model string a DUT reports in `m-model-[...]`, e.g. `kws01`.
    public let id: String
    /// Short name used on the command line and in the submission tree, e.g. `kws`.
    public let shortName: String
    public let title: String
    /// Bytes of one dataset file.
    public let fileBytes: Int
    /// Bytes sent to the DUT per inference (one window for ad01).
    public let inputBytes: Int
    /// Window stride in bytes for benchmarks that infer several windows per file (ad01).
    public let windowStride: Int?
    public let inputEncoding: InputEncoding
    public let rawData: RawData
    /// Number of classes (2 for ad01: normal/anomaly labels).
    public let classes: Int
    public let metric: Metric
    /// Warm-up inferences before each performance window (the reference runner's W).
    public let referenceWarmups: Int
    /// The dataset folder under a dataset root this benchmark reads by default:
    /// its own id, or another benchmark's (ic02 runs on the ic01 dataset, as the
    /// MLCommons runner's tests YAML says with `model: ic01`).
    public let datasetFolder: String
    /// Short names of the benchmarks whose results must stand beside this one's
    /// in a submission (the submission checker: an `ic2` result needs an `ic` result).
    public let submittedWith: [String]

    public var description: String { id }

    public init(id: String, shortName: String, title: String, fileBytes: Int, inputBytes: Int, windowStride: Int?,
                inputEncoding: InputEncoding, rawData: RawData, classes: Int, metric: Metric, referenceWarmups: Int,
                datasetFolder: String? = nil, submittedWith: [String] = []) {
        self.id = id
        self.shortName = shortName
        self.title = title
        self.fileBytes = fileBytes
        self.inputBytes = inputBytes
        self.windowStride = windowStride
        self.inputEncoding = inputEncoding
        self.rawData = rawData
        self.classes = classes
        self.metric = metric
        self.referenceWarmups = referenceWarmups
        self.datasetFolder = datasetFolder ?? id
        self.submittedWith = submittedWith
    }

    /// Windows per file: 1, or (file - window) / stride + 1 for ad01 (196).
    public var windowsPerFile: Int {
        guard let stride = windowStride else { return 1 }
        return (fileBytes - inputBytes) / stride + 1
    }

    /// Elements of the model input one inference needs.
    public var modelInputElements: Int { inputBytes / inputEncoding.bytesPerElement }

    public static let kws01 = Benchmark(id: "kws01", shortName: "kws", title: "keyword spotting", fileBytes: 490,
                                        inputBytes: 490, windowStride: nil, inputEncoding: .int8, rawData: .speechCommands,
                                        classes: 12, metric: .top1(target: 0.90), referenceWarmups: 10)
    public static let vww01 = Benchmark(id: "vww01", shortName: "vww", title: "visual wake words", fileBytes: 27648,
                                        inputBytes: 27648, windowStride: nil, inputEncoding: .uint8Offset128, rawData: .personImages,
                                        classes: 2, metric: .top1(target: 0.80), referenceWarmups: 5)
    public static let ic01 = Benchmark(id: "ic01", shortName: "ic", title: "image classification", fileBytes: 3072,
                                       inputBytes: 3072, windowStride: nil, inputEncoding: .uint8Offset128, rawData: .cifar10,
                                       classes: 10, metric: .top1(target: 0.85), referenceWarmups: 5)
    /// MLPerf Tiny v1.4's larger ResNet (40/80/160 filters) on the ic01 dataset, with a higher target.
    public static let ic02 = Benchmark(id: "ic02", shortName: "ic2", title: "image classification (large ResNet)", fileBytes: 3072,
                                       inputBytes: 3072, windowStride: nil, inputEncoding: .uint8Offset128, rawData: .cifar10,
                                       classes: 10, metric: .top1(target: 0.91), referenceWarmups: 5,
                                       datasetFolder: "ic01", submittedWith: ["ic"])
    public static let ad01 = Benchmark(id: "ad01", shortName: "ad", title: "anomaly detection", fileBytes: 102_400,
                                       inputBytes: 2560, windowStride: 512, inputEncoding: .float32, rawData: .machineSounds,
                                       classes: 2, metric: .auc(target: 0.85), referenceWarmups: 10)

    /// MLPerf Tiny v1.3's streaming wakeword model as a firmware target: one
    /// inference takes the 30 x 40 int8 log-mel window as it is (kws01's
    /// `th_load_tensor`) and gives 3 int8 outputs, so `firmware generate`,
    /// `firmware check` and `dut check` treat it like the others. The
    /// benchmark itself is a stream scored by detections (Docs/sww.md,
    /// `WakewordDetectionScore`), not files scored by top-1: it is not in
    /// ``all``, no file-by-file run takes it (``RunRequest``), and its
    /// `metric` and `rawData` are only the model's (3 classes of Speech
    /// Commands-style audio), not the benchmark's score.
    public static let sww01 = Benchmark(id: "sww01", shortName: "sww", title: "streaming wakeword", fileBytes: 1200,
                                        inputBytes: 1200, windowStride: nil, inputEncoding: .int8, rawData: .speechCommands,
                                        classes: 3, metric: .top1(target: 0), referenceWarmups: 10)

    public static let all: [Benchmark] = [.kws01, .vww01, .ad01, .ic01, .ic02]

    /// Benchmarks that are streams, not datasets of files: named, not in ``all``.
    public static let streaming: [Benchmark] = [.sww01]

    /// `kws`, `kws01`, `KWS`, `sww01` ... → the benchmark, or nil.
    public static func named(_ name: String) -> Benchmark? {
        let n = name.lowercased()
        return (all + streaming).first { $0.id == n || $0.shortName == n }
    }

    /// The byte range of window `w` of a file.
    public func window(_ w: Int) -> Range<Int> {
        let start = w * (windowStride ?? 0)
        return start..<(start + inputBytes)
    }
}

extension Benchmark.RawData {
    /// The names of the labels of the data, by class number, as the
    /// reference training code orders them.
    public var classNames: [String] {
        switch self {
        case .speechCommands: SpeechCommands.labels
        case .personImages: ["no person", "person"]
        case .machineSounds: ["normal", "anomaly"]
        case .cifar10: CIFAR10Batch.classes
        }
    }
}

extension Benchmark {
    /// The name of class `k` (kws01 `Yes`, vww01 `person`, ic01 `cat`), or its number when out of range.
    public func className(_ k: Int) -> String {
        let names = rawData.classNames
        return names.indices.contains(k) ? names[k] : "class \(k)"
    }
}
