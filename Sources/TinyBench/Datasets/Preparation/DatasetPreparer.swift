import Foundation
import TinyRuntime

/// Converts public raw data into the EEMBC layout `Dataset` reads
/// (`tinybench dataset prepare`). Each benchmark's conversion is described in
/// Docs/datasets.md, "Preparing the real datasets".
public struct DatasetPreparer {
    public let benchmark: Benchmark
    public let source: URL
    public let output: URL
    /// (done, total) as samples are written.
    public var progress: ((Int, Int) -> Void)?

    public init(benchmark: Benchmark, source: URL, output: URL) {
        self.benchmark = benchmark
        self.source = source
        self.output = output
    }

    /// Converts the source as the benchmark's raw data requires. `labels` (a
    /// MLPerf Tiny y_labels.csv read by ``labelList(_:)``) selects and orders
    /// the files; `model` gives kws01 the int8 input quantization of its features.
    public func prepare(labels: [(file: String, label: Int)]?, model: Model?) throws -> Int {
        switch benchmark.rawData {
        case .speechCommands:
            guard labels == nil else {
                throw PreparationError.badSource(source.path, "the \(benchmark.id) list names files by their position in TensorFlow Datasets' test stream, which cannot be matched to wav files; omit the label list (Docs/datasets.md)")
            }
            guard let model else {
                throw PreparationError.badSource(source.path, "\(benchmark.id) features are quantized with a model's input parameters: pass the model")
            }
            let input = model.main.tensors[model.main.inputs[0]]
            guard let q = input.quantization, input.type == .int8 else {
                throw PreparationError.badSource(source.path, "the model has no int8 quantized input")
            }
            return try prepareKeywordSpotting(inputScale: q.scale, inputZeroPoint: q.zeroPoint)
        case .personImages: return try prepareVisualWakeWords(labels: labels)
        case .machineSounds: return try prepareAnomalyDetection(labels: labels)
        case .cifar10: return try prepareImageClassification(labels: labels)
        }
    }

    /// Speech Commands wavs → 49×10 int8 MFCC quantized with the model's input parameters.
    public func prepareKeywordSpotting(inputScale: Float, inputZeroPoint: Int32) throws -> Int {
        let clips = try SpeechCommands.clips(in: source)
        let frontEnd = KWSFrontEnd()
        var writer = try DatasetWriter(root: output, benchmark: benchmark)
        for (i, clip) in clips.enumerated() {
            let wav = try WAVFile(contentsOf: URL(fileURLWithPath: clip.path))
            guard wav.sampleRate == KWSFrontEnd.sampleRate else {
                throw PreparationError.wrongSampleRate(clip.path, found: wav.sampleRate, expected: KWSFrontEnd.sampleRate)
            }
            let samples = clip.range.map { Array(wav.samples[$0]) } ?? wav.samples
            let features = KWSFrontEnd.quantize(frontEnd.features(samples), scale: inputScale, zeroPoint: inputZeroPoint)
            let name = "tst_\(String(format: "%06d", i))_\(SpeechCommands.labels[clip.label])_\(clip.label).bin"
            try writer.add(file: name, label: clip.label, bytes: features.map { UInt8(bitPattern: $0) })
            progress?(i + 1, clips.count)
        }
        try writer.finish()
        return writer.count
    }

    /// VWW person / non-person image folders (`person/`, `non_person/`, as in
    /// vw_coco2014_96) → 96×96 uint8 RGB; label 1 = person. Files are named by
    /// the COCO image id (the digits at the end of the name), as in the MLPerf
    /// Tiny vww01 list.
    public func prepareVisualWakeWords(labels: [(file: String, label: Int)]? = nil) throws -> Int {
        var items = [(path: String, name: String, label: Int)]()
        for (folder, label) in [("non_person", 0), ("person", 1)] {
            let dir = source.appendingPathComponent(folder)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
                throw PreparationError.badSource(source.path, "no \(folder)/ folder (the vw_coco2014_96 layout has person/ and non_person/)")
            }
            for file in files.sorted() where [".jpg", ".jpeg"].contains(where: file.lowercased().hasSuffix) {
                let stem = (file as NSString).deletingPathExtension
                let digits = String(stem.reversed().prefix { $0.isNumber }.reversed())
                let id = digits.isEmpty ? stem : String(repeating: "0", count: max(12 - digits.count, 0)) + digits
                items.append((dir.appendingPathComponent(file).path, id + ".bin", label))
            }
        }
        return try write(items, labels: labels) { item in
            let data = try RGBImage(jpeg: [UInt8](try Self.read(item.path)), name: item.path)
            return data.resized(to: 96).pixels
        }
    }

    /// CIFAR-10 (`test_batch.bin`, or the Python version's `test_batch`) →
    /// 32×32 interleaved RGB. With the Python version files keep their
    /// original names (`emu_s_002009.bin`), which the MLPerf ic01 list uses;
    /// the binary version has none, so its files are `<class>_<index>.bin`.
    public func prepareImageClassification(labels: [(file: String, label: Int)]? = nil) throws -> Int {
        let batch = try CIFAR10Batch(source: source)
        if labels != nil && batch.fileNames == nil {
            throw PreparationError.badSource(source.path, "the binary batches carry no file names to match the label list against: use the Python version (test_batch)")
        }
        let items = batch.labels.indices.map { (path: String($0), name: batch.fileName($0), label: batch.labels[$0]) }
        return try write(items, labels: labels) { batch.interleaved(Int($0.path)!) }
    }

    /// ToyADMOS / DCASE 2020 task 2 wavs (`normal_id_01_00000003.wav`,
    /// `anomaly_id_01_...`; 16 kHz mono) → the first 200 log-mel frames,
    /// named `<stem>_hist_librosa.bin` as in the MLPerf Tiny ad01 list.
    public func prepareAnomalyDetection(labels: [(file: String, label: Int)]? = nil) throws -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: source.path) else {
            throw PreparationError.badSource(source.path, "not a folder")
        }
        var items = [(path: String, name: String, label: Int)]()
        for case let relative as String in enumerator where relative.lowercased().hasSuffix(".wav") {
            let stem = ((relative as NSString).lastPathComponent as NSString).deletingPathExtension
            let label = stem.hasPrefix("anomaly") ? 1 : stem.hasPrefix("normal") ? 0 : -1
            guard label >= 0 else { continue }
            items.append((source.appendingPathComponent(relative).path, stem + "_hist_librosa.bin", label))
        }
        items.sort { $0.name < $1.name }
        let frontEnd = ADFrontEnd()
        return try write(items, labels: labels) { item in
            let wav = try WAVFile(contentsOf: URL(fileURLWithPath: item.path))
            guard wav.sampleRate == ADFrontEnd.sampleRate else {
                throw PreparationError.wrongSampleRate(item.path, found: wav.sampleRate, expected: ADFrontEnd.sampleRate)
            }
            guard let bytes = ADFrontEnd.fileBytes(frontEnd.logMel(wav.samples)) else {
                throw PreparationError.badAudio(item.path, "shorter than 200 frames (\(ADFrontEnd.samples(forFrames: 200)) samples)")
            }
            return bytes
        }
    }

    /// Reads a MLPerf Tiny `y_labels.csv`: file name → label, in the file's order.
    public static func labelList(_ url: URL) throws -> [(file: String, label: Int)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw PreparationError.unreadable(url.path) }
        return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { i, line in
            let cols = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if cols.count == 1 && cols[0].isEmpty { return nil }
            guard cols.count >= 3, let label = Int(cols[2]) else {
                throw PreparationError.badSource(url.path, "line \(i + 1) is not file,classes,label")
            }
            return (cols[0], label)
        }
    }

    /// Writes `items` (restricted to and ordered like `labels` when given).
    private func write(_ items: [(path: String, name: String, label: Int)], labels: [(file: String, label: Int)]?,
                       convert: ((path: String, name: String, label: Int)) throws -> [UInt8]) throws -> Int {
        var chosen = items
        if let labels {
            let byName = Dictionary(items.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let missing = labels.map(\.file).filter { byName[$0] == nil }
            guard missing.isEmpty else {
                throw PreparationError.badSource(source.path, "\(missing.count) file(s) of the label list are not in the source, e.g. \(missing.prefix(3).joined(separator: ", "))")
            }
            chosen = labels.map { entry in
                var item = byName[entry.file]!
                item.label = entry.label
                return item
            }
        }
        guard !chosen.isEmpty else { throw PreparationError.badSource(source.path, "no input files found") }
        var writer = try DatasetWriter(root: output, benchmark: benchmark)
        for (i, item) in chosen.enumerated() {
            try writer.add(file: item.name, label: item.label, bytes: try convert(item))
            progress?(i + 1, chosen.count)
        }
        try writer.finish()
        return writer.count
    }

    static func read(_ path: String) throws(PreparationError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return data
    }
}
