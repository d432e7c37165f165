import Foundation

/// The sww01 streaming front end as the MLPerf Tiny reference DUT
/// (`sww_ref_l4r5zi`) computes it: one 40-feature int8 row of log-mel energies
/// per 512-sample hop of a 16 kHz stream, kept in the 30 x 40 int8 model input.
///
/// Per hop (facts read from the reference firmware's streaming loop and
/// `th_compute_lfbe_f32`):
///
/// 1. The 1,024-sample block slides by 512: its second half moves to the
///    front and the 512 new samples (the LEFT channel of the I2S stream) fill
///    the back. `start` zeroes the block, so frame 0 is 512 zeros + 512 samples.
/// 2. `x = Float(s) / 32768`.
/// 3. Pre-emphasis with 0.96875, carried across hops: `y[0] = x[0] - c * p`,
///    `y[i] = x[i] - c * x[i - 1]`, where `p` is `x[511]` of the previous hop
///    (the sample just before this block's first one; 0 after `start`).
/// 4. Periodic Hamming window (``window``).
/// 5. 1,024-point real FFT (``fft(_:_:)``); power `P[k] = m * m / 1024` with
///    `m = sqrt(re * re + im * im)` for k = 0 ..< 512 (imaginary part of bin 0
///    taken as 0) and `m = re` (signed) for the Nyquist bin 512.
/// 6. Mel energies `M[j] = sum P[k] * W[k][j]` over each filter's non-zero
///    span, accumulated in order (``melWeights``).
/// 7. `M = max(M, 1e-30)` (after the mel step), `10 * log10(M)` in Double,
///    then `(v + 52) / 64` and a clip to [0, 1].
/// 8. `Int8(truncatingIfNeeded: Int32(f / inputScale - 128))`: truncation
///    toward zero, and, as on the DUT (`vcvt.s32.f32` then a byte store),
///    values above 127 WRAP (f = 1 gives 142 -> -114): the reference model's
///    input scale maps [0, 1] onto [-128, 142].
///
/// The model input then shifts up one row (40 values) and the new row goes
/// last. `start` zeroes it: the first 29 frames see int8 0 rows as history.
///
/// Arithmetic is Float32 with every product and sum rounded on its own (no
/// fused multiply-add), in the order documented on each step, so that a C
/// port compiled with `-ffp-contract=off` can reproduce it bit for bit. The
/// FFT is a plain radix-2 algorithm, not the DUT's CMSIS `arm_rfft_fast_f32`;
/// features therefore agree with an exact float32 spectrum (and with the
/// DUT) to within an int8 step on a small fraction of entries.
public struct StreamingFrontEnd: Sendable {
    public static let windowLength = 1024
    public static let hopLength = 512
    public static let melBins = 40
    public static let modelFrames = 30
    public static let modelInputCount = modelFrames * melBins
    public static let preemphasis: Float = 0.96875
    /// The reference sww01 model's input scale, exactly (0x3B728D31, about
    /// 0.0037010426; printed as 0.003701043, which is a different Float). The
    /// DUT reads it from the model, and subtracts a fixed 128, not the zero point.
    public static let referenceInputScale = Float(bitPattern: 0x3B72_8D31)

    /// The input scale features are quantised with.
    public let inputScale: Float
    /// The periodic Hamming window: `0.54 - 0.46 * cos(2 pi n / 1024)` in
    /// Float32 with a correctly rounded cosine (Double `cos`, rounded; as
    /// `tf.signal.hamming_window(1024, periodic: true)`, within 6e-8), rounded
    /// to 8 decimals as the DUT's `hamm_win_1024` table is printed (73 of its
    /// 1,024 entries differ from that table by 1e-8: TensorFlow's float cosine
    /// is not correctly rounded).
    public let window: [Float]
    /// First spectrum bin of each mel filter's non-zero span.
    public let melStarts: [Int]
    /// Packed non-zero mel weights, filter after filter (987; the DUT's spans);
    /// see ``melWeight(bin:filter:)``. ``tensorflowMelMatrix()`` rounded to 6
    /// decimals as the DUT's `lin2mel_packed_513x40` table is printed (74 of
    /// its 987 entries differ from that table, by at most 4e-6: the table's
    /// generator rounded differently; the DUT table itself differs from
    /// TensorFlow 2's float32 matrix by up to 7e-6).
    public let melWeights: [Float]
    /// Offset of each filter's weights in ``melWeights``; `melOffsets[40]` is the total.
    public let melOffsets: [Int]
    /// `cos(2 pi k / 1024)` and `sin(2 pi k / 1024)`, k = 0 ..< 512, computed in
    /// Double and rounded once to Float.
    let twiddleCos: [Float]
    let twiddleSin: [Float]

    /// The last 1,024 samples (the DUT's `g_wav_block_buff`).
    public private(set) var block: [Int16]
    /// The 30 x 40 int8 model input, oldest row first.
    public private(set) var modelInput: [Int8]
    /// `x[511]` of the previous hop, for the pre-emphasis of the next one.
    private var lastValue: Float = 0
    /// Frames computed since `start`.
    public private(set) var frameCount = 0

    /// Prepares the tables (window, mel matrix, FFT twiddles) and starts.
    public init(inputScale: Float = StreamingFrontEnd.referenceInputScale) {
        self.inputScale = inputScale
        let n = Self.windowLength
        window = (0..<n).map { i in
            // The argument in Float32 as TensorFlow forms it; the cosine in
            // Double rounded once (a correctly rounded cosf, unlike libm's).
            let argument = Float(2 * Double.pi) * Float(i) / Float(n)
            let w = Float(0.54) - Float(0.46) * Float(Foundation.cos(Double(argument)))
            return Self.roundedDecimal(w, digits: 8)
        }
        let matrix = Self.tensorflowMelMatrix()
        var starts: [Int] = [], offsets: [Int] = [0], packed: [Float] = []
        for j in 0..<Self.melBins {
            let column = (0...n / 2).map { Self.roundedDecimal(matrix[$0 * Self.melBins + j], digits: 6) }
            let first = column.firstIndex { $0 != 0 }!, last = column.lastIndex { $0 != 0 }!
            starts.append(first)
            packed.append(contentsOf: column[first...last])
            offsets.append(packed.count)
        }
        melStarts = starts; melOffsets = offsets; melWeights = packed
        twiddleCos = (0..<n / 2).map { Float(Foundation.cos(2 * Double.pi * Double($0) / Double(n))) }
        twiddleSin = (0..<n / 2).map { Float(Foundation.sin(2 * Double.pi * Double($0) / Double(n))) }
        block = Array(repeating: 0, count: n)
        modelInput = Array(repeating: 0, count: Self.modelInputCount)
    }

    /// The DUT's `start`: zero the sample history, the pre-emphasis carry and
    /// the model input.
    public mutating func start() {
        for i in block.indices { block[i] = 0 }
        for i in modelInput.indices { modelInput[i] = 0 }
        lastValue = 0
        frameCount = 0
    }

    /// The weight of spectrum bin `bin` (0 ... 512) in mel filter `filter`.
    public func melWeight(bin: Int, filter: Int) -> Float {
        let k = bin - melStarts[filter]
        guard k >= 0, k < melOffsets[filter + 1] - melOffsets[filter] else { return 0 }
        return melWeights[melOffsets[filter] + k]
    }

    /// Processes one hop of 512 mono samples: returns the 40 int8 features
    /// and appends them to ``modelInput`` (dropping its oldest row).
    @discardableResult
    public mutating func eval(_ samples: some Collection<Int16>) -> [Int8] {
        precondition(samples.count == Self.hopLength, "a hop is \(Self.hopLength) samples, got \(samples.count)")
        let n = Self.windowLength, hop = Self.hopLength
        for i in 0..<(n - hop) { block[i] = block[i + hop] }
        for (i, s) in samples.enumerated() { block[n - hop + i] = s }
        let features = Self.quantise(logMel(), scale: inputScale)
        for i in 0..<(Self.modelInputCount - Self.melBins) { modelInput[i] = modelInput[i + Self.melBins] }
        for i in 0..<Self.melBins { modelInput[Self.modelInputCount - Self.melBins + i] = features[i] }
        frameCount += 1
        return features
    }

    /// The left channel of interleaved stereo samples (the DUT uses `buf[2 * i]`).
    public static func leftChannel(_ interleaved: [Int16]) -> [Int16] {
        stride(from: 0, to: interleaved.count - 1, by: 2).map { interleaved[$0] }
    }

    /// Steps 2-7 on the current block: 40 features in [0, 1]; advances the
    /// pre-emphasis carry.
    mutating func logMel() -> [Float] {
        let n = Self.windowLength, c = Self.preemphasis
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n { x[i] = Float(block[i]) / 32768 }
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        re[0] = (x[0] - lastValue * c) * window[0]
        for i in 1..<n { re[i] = (x[i] - c * x[i - 1]) * window[i] }
        lastValue = x[Self.hopLength - 1]
        fft(&re, &im)
        var power = [Float](repeating: 0, count: n / 2 + 1)
        let inverseLength: Float = 1.0 / 1024
        for k in 0..<n / 2 {
            let i: Float = k == 0 ? 0 : im[k]
            let magnitude = (re[k] * re[k] + i * i).squareRoot()
            power[k] = (magnitude * magnitude) * inverseLength
        }
        power[n / 2] = (re[n / 2] * re[n / 2]) * inverseLength
        var out = [Float](repeating: 0, count: Self.melBins)
        for j in 0..<Self.melBins {
            var acc: Float = 0
            let start = melStarts[j]
            for (k, w) in melWeights[melOffsets[j]..<melOffsets[j + 1]].enumerated() {
                acc = acc + power[start + k] * w
            }
            let clipped: Float = Double(acc) > 1e-30 ? acc : Float(1e-30)
            let db = Float(10 * Foundation.log10(Double(clipped)))
            let v = (db + 52) * (1.0 / 64)
            out[j] = v < 0 ? 0 : (v > 1 ? 1 : v)
        }
        return out
    }

    /// Step 8: the DUT's `(int8_t)(f / scale - 128)` (truncation; wraps above 127).
    public static func quantise(_ values: [Float], scale: Float) -> [Int8] {
        values.map { Int8(truncatingIfNeeded: Int32($0 / scale - 128)) }
    }

    /// In-place 1,024-point complex FFT, `X[k] = sum x[n] e^(-2 pi i n k / N)`:
    /// iterative radix-2 decimation in time. The input is permuted into
    /// bit-reversed order; then for span = 2, 4, ..., 1024 (half = span / 2,
    /// step = 1024 / span), for each group start g (0, span, 2 span, ...) and
    /// j = 0 ..< half, with `wr = cos[j * step]`, `wi = sin[j * step]`,
    /// `a = x[g + j]`, `b = x[g + j + half]`:
    ///
    ///     tr = wr * b.re + wi * b.im        ti = wr * b.im - wi * b.re
    ///     x[g + j + half] = (a.re - tr, a.im - ti)
    ///     x[g + j]        = (a.re + tr, a.im + ti)
    ///
    /// (`t = b * e^(-2 pi i j / span)`; each product and sum rounded to Float.)
    func fft(_ re: inout [Float], _ im: inout [Float]) {
        let n = Self.windowLength
        var j = 0
        for i in 0..<(n - 1) {
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
        }
        var span = 2
        while span <= n {
            let half = span / 2, step = n / span
            for g in stride(from: 0, to: n, by: span) {
                for k in 0..<half {
                    let wr = twiddleCos[k * step], wi = twiddleSin[k * step]
                    let br = re[g + k + half], bi = im[g + k + half]
                    let tr = wr * br + wi * bi
                    let ti = wr * bi - wi * br
                    let ar = re[g + k], ai = im[g + k]
                    re[g + k + half] = ar - tr; im[g + k + half] = ai - ti
                    re[g + k] = ar + tr; im[g + k] = ai + ti
                }
            }
            span *= 2
        }
    }

    /// `tf.signal.linear_to_mel_weight_matrix(40, 513, 16000, 0, 8000)`,
    /// computed in Float32 as TensorFlow does, with a correctly rounded `logf`:
    /// HTK mel `1127 ln(1 + f / 700)`;
    /// bin frequencies and band edges from float32 linspaces (`start + i *
    /// delta`, the last point exactly `stop`); weight = max(0, min(rising,
    /// falling slope)); bin 0 zero. Row-major 513 x 40.
    static func tensorflowMelMatrix() -> [Float] {
        let bins = windowLength / 2 + 1, mels = melBins
        // ln in Double rounded once to Float (a correctly rounded logf; a C
        // port uses log() likewise, not logf()).
        func mel(_ hz: Float) -> Float { Float(1127.0) * Float(Foundation.log(Double(Float(1.0) + hz / Float(700.0)))) }
        func linspace(_ a: Float, _ b: Float, _ count: Int) -> [Float] {
            let delta = (b - a) / Float(count - 1)
            var r = (0..<count).map { Float($0) * delta + a }
            r[count - 1] = b
            return r
        }
        let frequencies = linspace(0, 8000, bins)
        let edges = linspace(mel(0), mel(8000), mels + 2)
        var matrix = [Float](repeating: 0, count: bins * mels)
        for k in 1..<bins {
            let m = mel(frequencies[k])
            for j in 0..<mels {
                let lower = (m - edges[j]) / (edges[j + 1] - edges[j])
                let upper = (edges[j + 2] - m) / (edges[j + 2] - edges[j + 1])
                matrix[k * mels + j] = max(0, min(lower, upper))
            }
        }
        return matrix
    }

    /// `v` printed with `digits` decimals and read back as Float (how the
    /// DUT's constant tables were made).
    static func roundedDecimal(_ v: Float, digits: Int) -> Float {
        Float(String(format: "%.\(digits)f", Double(v)))!
    }
}
