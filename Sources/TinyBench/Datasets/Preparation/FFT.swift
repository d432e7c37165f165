import Foundation

/// Radix-2 complex FFT in double precision, planned once per size (the
/// twiddles and bit-reversal table), used for the power spectra of the audio
/// front ends.
public struct FFT: Sendable {
    public let size: Int
    private let cosines: [Double]
    private let sines: [Double]
    private let reversed: [Int]

    /// `size` must be a power of two.
    public init(size: Int) {
        precondition(size >= 2 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        cosines = (0..<size / 2).map { cos(-2 * Double.pi * Double($0) / Double(size)) }
        sines = (0..<size / 2).map { sin(-2 * Double.pi * Double($0) / Double(size)) }
        let bits = size.trailingZeroBitCount
        reversed = (0..<size).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
    }

    /// |X[k]| for k = 0...size/2 of a real signal (zero-padded or truncated to `size`).
    public func magnitudes(_ signal: [Double]) -> [Double] {
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<min(signal.count, size) { re[reversed[i]] = signal[i] }
        var half = 1
        while half < size {
            let step = size / (2 * half)
            var start = 0
            while start < size {
                for k in 0..<half {
                    let c = cosines[k * step], s = sines[k * step]
                    let j = start + k, l = j + half
                    let tr = re[l] * c - im[l] * s, ti = re[l] * s + im[l] * c
                    re[l] = re[j] - tr
                    im[l] = im[j] - ti
                    re[j] += tr
                    im[j] += ti
                }
                start += 2 * half
            }
            half *= 2
        }
        return (0...size / 2).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
    }
}
