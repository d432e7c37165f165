import Foundation

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
}
