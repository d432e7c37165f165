import Foundation

/// The MLPerf Tiny keyword-spotting front end (the reference training code's
/// evaluation path, get_dataset.py): a 1 s clip at 16 kHz, normalised by its
/// maximum, 49 frames of 30 ms every 20 ms with a periodic Hann window,
/// 512-point FFT magnitudes, TensorFlow's 40-band mel matrix from 20 to
/// 4000 Hz, log(mel + 1e-6), then the orthonormal DCT-II, keeping 10
/// coefficients. Computed in double precision; TensorFlow computes in float,
/// and Docs/datasets.md states how often the int8 features differ.
public struct KWSFrontEnd: Sendable {
    public static let sampleRate = 16_000
    public static let clipSamples = 16_000
    public static let frameLength = 480
    public static let frameStep = 320
    public static let frames = 49
    public static let melBands = 40
    public static let coefficients = 10

    private let fft = FFT(size: 512)
    private let window: [Double]
    /// weights[bin][band], TensorFlow's linear_to_mel_weight_matrix.
    private let melWeights: [[Double]]
    private let dct: [[Double]]

    public init() {
        let n = Double(Self.frameLength)
        window = (0..<Self.frameLength).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / n) }
        melWeights = Self.melMatrix(bands: Self.melBands, bins: 257, sampleRate: Double(Self.sampleRate), lower: 20, upper: 4000)
        let m = Double(Self.melBands)
        // tf.signal.mfccs_from_log_mel_spectrograms: unnormalised DCT-II times rsqrt(2 N).
        dct = (0..<Self.coefficients).map { k in
            (0..<Self.melBands).map { i in 2 * cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * m)) / (2 * m).squareRoot() }
        }
    }

    /// 16 kHz mono samples as tf.audio.decode_wav gives them (int16 / 32768) →
    /// 49×10 MFCC, row-major (frame, coefficient). Longer clips are cut to 1 s;
    /// shorter ones are padded with zeros, as the reference does.
    public func features(_ samples: [Float]) -> [Float] {
        var clip = samples.prefix(Self.clipSamples).map(Double.init)
        clip += [Double](repeating: 0, count: Self.clipSamples - clip.count)
        // The reference divides by the maximum (not the absolute maximum).
        let peak = clip.max() ?? 0
        if peak != 0 { clip = clip.map { $0 / peak } }
        var out = [Float]()
        out.reserveCapacity(Self.frames * Self.coefficients)
        for f in 0..<Self.frames {
            let start = f * Self.frameStep
            let frame = (0..<Self.frameLength).map { clip[start + $0] * window[$0] }
            let spectrum = fft.magnitudes(frame)
            var logMel = [Double](repeating: 0, count: Self.melBands)
            for band in 0..<Self.melBands {
                var sum = 0.0
                for bin in spectrum.indices where melWeights[bin][band] != 0 { sum += spectrum[bin] * melWeights[bin][band] }
                logMel[band] = log(sum + 1e-6)
            }
            for k in 0..<Self.coefficients {
                var c = 0.0
                for i in 0..<Self.melBands { c += dct[k][i] * logMel[i] }
                out.append(Float(c))
            }
        }
        return out
    }

    /// Features as a model's int8 input the way the MLPerf Tiny data was made
    /// (make_bin_files.py: `np.array(x / scale + zero_point, dtype=np.int8)`):
    /// float32 arithmetic, then truncation toward zero. Values beyond int8 are
    /// clamped (NumPy's cast would wrap them).
    public static func quantize(_ features: [Float], scale: Float, zeroPoint: Int32) -> [Int8] {
        features.map { x in
            let v = (x / scale + Float(zeroPoint)).rounded(.towardZero)
            return Int8(max(min(v, 127), -128))
        }
    }

    /// TensorFlow's linear_to_mel_weight_matrix: HTK mel scale (1127 ln(1 + f/700)),
    /// triangles between evenly spaced mel edges, the DC bin left out.
    static func melMatrix(bands: Int, bins: Int, sampleRate: Double, lower: Double, upper: Double) -> [[Double]] {
        func mel(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }
        let nyquist = sampleRate / 2
        let lowMel = mel(lower), highMel = mel(upper)
        let edges = (0..<(bands + 2)).map { lowMel + (highMel - lowMel) * Double($0) / Double(bands + 1) }
        var weights = [[Double]](repeating: [Double](repeating: 0, count: bands), count: bins)
        for bin in 1..<bins {
            let m = mel(nyquist * Double(bin) / Double(bins - 1))
            for b in 0..<bands {
                let lowerSlope = (m - edges[b]) / (edges[b + 1] - edges[b])
                let upperSlope = (edges[b + 2] - m) / (edges[b + 2] - edges[b + 1])
                weights[bin][b] = max(0, min(lowerSlope, upperSlope))
            }
        }
        return weights
    }
}
