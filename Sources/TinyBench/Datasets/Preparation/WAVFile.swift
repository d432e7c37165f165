import Foundation

/// A RIFF/WAVE file of 16-bit PCM, mono (the Speech Commands and ToyADMOS
/// format). Other encodings, several channels, and truncated or inconsistent
/// chunks are errors naming the file.
public struct WAVFile: Sendable {
    public let sampleRate: Int
    /// Samples as `tf.audio.decode_wav` gives them: int16 / 32768.
    public let samples: [Float]

    public init(contentsOf url: URL) throws(PreparationError) {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unreadable(url.path) }
        try self.init(bytes: [UInt8](data), name: url.path)
    }

    public init(bytes: [UInt8], name: String) throws(PreparationError) {
        let pcm = try PCM16Audio(bytes: bytes, name: name)
        guard pcm.channels == 1 else { throw .badAudio(name, "\(pcm.channels) channels; mono is required") }
        sampleRate = pcm.sampleRate
        samples = pcm.interleaved.map { Float($0) / 32768 }
    }

    /// A 16-bit mono WAV file's bytes (for tests and the demo generator).
    public static func encode(_ samples: [Float], sampleRate: Int) -> [UInt8] {
        var out = [UInt8]()
        func u32(_ v: Int) { out += [UInt8(v & 255), UInt8(v >> 8 & 255), UInt8(v >> 16 & 255), UInt8(v >> 24 & 255)] }
        func u16(_ v: Int) { out += [UInt8(v & 255), UInt8(v >> 8 & 255)] }
        out += Array("RIFF".utf8); u32(36 + 2 * samples.count); out += Array("WAVEfmt ".utf8)
        u32(16); u16(1); u16(1); u32(sampleRate); u32(2 * sampleRate); u16(2); u16(16)
        out += Array("data".utf8); u32(2 * samples.count)
        for s in samples {
            let v = Int16(clamping: Int((Double(s) * 32768).rounded()))
            u16(Int(UInt16(bitPattern: v)))
        }
        return out
    }
}

/// The 16-bit PCM samples of a RIFF/WAVE file with any number of channels,
/// interleaved as stored (a streaming wakeword stream is stereo). Other
/// encodings and truncated or inconsistent chunks are errors naming the file.
public struct PCM16Audio: Sendable {
    public let sampleRate: Int
    public let channels: Int
    /// Frame after frame, each with one sample per channel.
    public let interleaved: [Int16]
    /// Bytes of the data chunk (what a player reads from the card).
    public var dataBytes: Int { interleaved.count * 2 }

    public init(contentsOf url: URL) throws(PreparationError) {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unreadable(url.path) }
        try self.init(bytes: [UInt8](data), name: url.path)
    }

    public init(bytes: [UInt8], name: String) throws(PreparationError) {
        func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw .badAudio(name, "not a RIFF/WAVE file")
        }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int, code: Int)?
        var pcm: ArraySlice<UInt8>?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            guard size <= bytes.count - body else { throw .badAudio(name, "chunk '\(id)' of \(size) bytes is truncated") }
            if id == "fmt " {
                guard size >= 16 else { throw .badAudio(name, "fmt chunk of \(size) bytes is too short") }
                format = (u16(body + 2), u32(body + 4), u16(body + 14), u16(body))
            } else if id == "data" {
                pcm = bytes[body..<body + size]
            }
            offset = body + size + (size & 1)
        }
        guard let format else { throw .badAudio(name, "no fmt chunk") }
        guard let pcm else { throw .badAudio(name, "no data chunk") }
        // 1 = PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE, which Speech Commands does not use but some tools write.
        guard format.code == 1 || format.code == 0xFFFE, format.bits == 16 else {
            throw .badAudio(name, "format \(format.code) with \(format.bits)-bit samples; 16-bit PCM is required")
        }
        guard format.channels >= 1 else { throw .badAudio(name, "no channels") }
        sampleRate = format.rate
        channels = format.channels
        let base = pcm.startIndex
        // Whole frames only: a trailing partial frame is not audio.
        interleaved = (0..<(pcm.count / 2 / channels * channels)).map { i in
            Int16(bitPattern: UInt16(pcm[base + 2 * i]) | UInt16(pcm[base + 2 * i + 1]) << 8)
        }
    }
}

/// Why a raw dataset could not be converted, naming the file.
public enum PreparationError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case badAudio(String, String)
    case badImage(String, String)
    case badSource(String, String)
    case wrongSampleRate(String, found: Int, expected: Int)

    public var description: String {
        switch self {
        case .unreadable(let p): "cannot read \(p)"
        case let .badAudio(p, why): "\(p): \(why)"
        case let .badImage(p, why): "\(p): \(why)"
        case let .badSource(p, why): "\(p): \(why)"
        case let .wrongSampleRate(p, f, e): "\(p): sample rate \(f) Hz, expected \(e) Hz"
        }
    }
}
