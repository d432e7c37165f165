import Foundation
import TinyBench
#if canImport(Glibc)
import Glibc
#endif

/// Spoken words from Debian's espeak-ng, as 16 kHz samples in -1...1.
/// espeak-ng's output is deterministic for a given version, voice and
/// settings (checked by the determinism tests); its version is recorded in
/// Tools/demodata/README.md.
public enum Speech {
    /// One utterance's settings.
    public struct Voice: Sendable {
        public var name: String
        public var wordsPerMinute: Int
        public var pitch: Int
    }

    /// Runs `espeak-ng --stdout` and resamples its 22050 Hz output to 16 kHz.
    public static func say(_ word: String, voice: Voice) throws -> [Double] {
        var wav = try run(["espeak-ng", "--stdout", "-v", voice.name, "-s", String(voice.wordsPerMinute), "-p", String(voice.pitch), word])
        // Streaming to a pipe, espeak-ng cannot know the length and writes a
        // placeholder; its header is the canonical 44 bytes, so set the real sizes.
        guard wav.count >= 44, wav[36..<40].elementsEqual("data".utf8) else { throw SpeechError("espeak-ng wrote no WAV data for '\(word)'") }
        for (offset, value) in [(4, wav.count - 8), (40, wav.count - 44)] {
            for b in 0..<4 { wav[offset + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
        }
        let decoded = try WAVFile(bytes: wav, name: "espeak-ng output for '\(word)'")
        return resample(decoded.samples.map(Double.init), from: decoded.sampleRate, to: 16_000)
    }

    /// Windowed-sinc resampling (Hann-windowed, 32 taps each side), low-passed
    /// at the lower Nyquist frequency.
    public static func resample(_ x: [Double], from: Int, to: Int) -> [Double] {
        guard from != to else { return x }
        let ratio = Double(from) / Double(to)
        let cutoff = min(1, 1 / ratio)
        let taps = 32
        let count = Int(Double(x.count) / ratio)
        return (0..<count).map { n in
            let p = Double(n) * ratio
            let centre = Int(p)
            var sum = 0.0
            for k in max(centre - taps, 0)...min(centre + taps, x.count - 1) {
                let d = p - Double(k)
                let sinc = d == 0 ? 1 : sin(Double.pi * d * cutoff) / (Double.pi * d * cutoff)
                let window = 0.5 + 0.5 * cos(Double.pi * d / Double(taps + 1))
                sum += x[k] * cutoff * sinc * window
            }
            return sum
        }
    }

    /// Runs a program and returns its standard output (posix_spawn: Foundation's
    /// Process can miss a child's exit when called from several threads).
    static func run(_ arguments: [String]) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpeechError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw SpeechError("cannot run \(arguments[0]) (\(String(cString: strerror(rc)))): install it with `apt-get install espeak-ng`")
        }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 { out += buffer[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw SpeechError("\(arguments.joined(separator: " ")) failed with status \(status)") }
        return out
    }
}

/// A failure of the speech synthesiser.
public struct SpeechError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
