import Foundation

/// The MLPerf Tiny anomaly-detection front end (the DCASE 2020 task 2
/// baseline the reference trains with, common.py file_to_vector_array):
/// librosa's mel spectrogram of a 16 kHz clip — centred frames (the clip
/// padded by half a window on each side, by reflection as librosa before 0.10
/// did), periodic Hann window of 1024, hop 512, power 2, 128 Slaney-normalised
/// mel bands from 0 to 8 kHz — then 10·log10(mel + ε) with ε = 2.2e-16
/// (Python's float epsilon). Frames are stored one after another, 128
/// float32 values each, as the ad01 files and the model's 5-frame windows expect.
public struct ADFrontEnd: Sendable {
    public static let sampleRate = 16_000
    public static let fftSize = 1024
    public static let hop = 512
    public static let bands = 128
    /// Frames in an ad01 file (102,400 bytes).
    public static let framesPerFile = 200

    private let fft = FFT(size: 1024)
    private let window: [Double]
    /// filters[band] = (first bin, weights from that bin on).
    private let filters: [(first: Int, weights: [Double])]

    public init() {
        window = (0..<Self.fftSize).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(Self.fftSize)) }
        filters = Self.slaneyFilters(bands: Self.bands, fftSize: Self.fftSize, sampleRate: Double(Self.sampleRate))
    }

    /// Samples needed for `frames` centred frames.
    public static func samples(forFrames frames: Int) -> Int { (frames - 1) * hop }

    /// Log-mel frames of `samples` (1 + samples.count / 512 of them), frame-major.
    public func logMel(_ samples: [Float]) -> [[Float]] {
        let pad = Self.fftSize / 2
        let n = samples.count
        guard n > pad else { return [] }
        // Reflection without repeating the edge sample (NumPy's "reflect").
        func sample(_ i: Int) -> Double {
            var j = i - pad
            if j < 0 { j = -j }
            if j >= n { j = 2 * (n - 1) - j }
            return Double(samples[j])
        }
        let frames = 1 + n / Self.hop
        return (0..<frames).map { f in
            let start = f * Self.hop
            let spectrum = fft.magnitudes((0..<Self.fftSize).map { sample(start + $0) * window[$0] })
            return filters.map { filter in
                var power = 0.0
                for (k, w) in filter.weights.enumerated() {
                    let m = spectrum[filter.first + k]
                    power += w * m * m
                }
                return Float(10 * log10(power + 2.220446049250313e-16))
            }
        }
    }

    /// librosa.filters.mel(sr, n_fft, n_mels, htk=False, norm="slaney"):
    /// triangles on the Slaney mel scale (linear to 1 kHz, logarithmic above),
    /// each scaled to unit area (2 / bandwidth in Hz).
    static func slaneyFilters(bands: Int, fftSize: Int, sampleRate: Double) -> [(first: Int, weights: [Double])] {
        let linearStep = 200.0 / 3, breakHz = 1000.0, breakMel = 15.0, logStep = log(6.4) / 27
        func mel(_ hz: Double) -> Double { hz < breakHz ? hz / linearStep : breakMel + log(hz / breakHz) / logStep }
        func hz(_ m: Double) -> Double { m < breakMel ? m * linearStep : breakHz * exp(logStep * (m - breakMel)) }
        let top = mel(sampleRate / 2)
        let edges = (0..<(bands + 2)).map { hz(top * Double($0) / Double(bands + 1)) }
        let bins = fftSize / 2 + 1
        let freqs = (0..<bins).map { sampleRate / 2 * Double($0) / Double(bins - 1) }
        return (0..<bands).map { b in
            let weights = freqs.map { f in
                let lower = (f - edges[b]) / (edges[b + 1] - edges[b])
                let upper = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1])
                return max(0, min(lower, upper)) * 2 / (edges[b + 2] - edges[b])
            }
            let first = weights.firstIndex { $0 > 0 } ?? 0
            let last = weights.lastIndex { $0 > 0 } ?? 0
            return (first, Array(weights[first...max(first, last)]))
        }
    }

    /// The first `framesPerFile` frames as an ad01 file: float32 little-endian, frame after frame.
    public static func fileBytes(_ frames: [[Float]]) -> [UInt8]? {
        guard frames.count >= framesPerFile else { return nil }
        return frames.prefix(framesPerFile).flatMap { $0 }.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
    }
}
