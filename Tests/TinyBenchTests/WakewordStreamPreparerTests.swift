import Foundation
import Testing
import TinyBench

/// `dataset prepare sww`: the runner's truth files and WAVs checked and copied
/// to `<out>/sww01/`, each fault named with its file.
struct WakewordStreamPreparerTests {
    /// A 16-bit PCM WAV of `seconds` of silence.
    static func wav(seconds: Double, channels: Int = 2, rate: Int = 16_000) -> Data {
        let frames = Int(seconds * Double(rate))
        let dataBytes = frames * channels * 2
        var d = Data("RIFF".utf8)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
        u32(36 + dataBytes)
        d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(channels); u32(rate); u32(rate * channels * 2); u16(channels * 2); u16(16)
        d.append(contentsOf: Array("data".utf8))
        u32(dataBytes)
        d.append(Data(count: dataBytes))
        return d
    }

    static func folder(_ files: [String: Data]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-swwprep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: url.appendingPathComponent(name)) }
        return url
    }

    static func truth(_ wav: String, length: Double, windows: String = "[[1.0, 1.5]]") -> Data {
        Data("[{\"wav_file\": \"\(wav)\", \"sample_rate\": 16000, \"length_sec\": \(length), \"detection_windows\": \(windows)}]".utf8)
    }

    @Test func copiesTruthFilesWithTheirStreamsAndSkipsThoseWithoutAny() throws {
        let source = try Self.folder(["a.wav": Self.wav(seconds: 3), "sww_a_test.json": Self.truth("a.wav", length: 3),
                                      "sww_long_test.json": Self.truth("long_wav.wav", length: 1200)])
        let out = source.appendingPathComponent("out")
        defer { try? FileManager.default.removeItem(at: source) }
        let preparer = WakewordStreamPreparer(source: source, output: out)
        let (prepared, skipped) = try preparer.prepare()
        #expect(prepared == [.init(truthFile: "sww_a_test.json", streams: ["a.wav"])])
        #expect(skipped == ["sww_long_test.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: preparer.destination.path).sorted() == ["a.wav", "sww_a_test.json"])
        // A second run into the same folder is refused: nothing is overwritten.
        #expect(throws: PreparationError.self) { try preparer.prepare() }
    }

    @Test(arguments: [
        ("mono", Self.wav(seconds: 3, channels: 1), Self.truth("a.wav", length: 3), "2-channel"),
        ("8 kHz", Self.wav(seconds: 3, rate: 8000), Self.truth("a.wav", length: 3), "sample rate 8000"),
        ("too short", Self.wav(seconds: 2), Self.truth("a.wav", length: 3), "its truth file says 3.000 s"),
        ("window outside", Self.wav(seconds: 3), Self.truth("a.wav", length: 3, windows: "[[2.5, 4.0]]"), "not inside"),
    ])
    func refusesStreamsTheBoardCannotPlayAsDescribed(_ name: String, _ wav: Data, _ truth: Data, _ reason: String) throws {
        let source = try Self.folder(["a.wav": wav, "sww_a_test.json": truth])
        defer { try? FileManager.default.removeItem(at: source) }
        let error = try #require(throws: PreparationError.self) {
            try WakewordStreamPreparer(source: source, output: source.appendingPathComponent("out")).prepare()
        }
        #expect(error.description.contains("a.wav") && error.description.contains(reason), "\(name): \(error)")
        #expect(!FileManager.default.fileExists(atPath: source.appendingPathComponent("out").path))
    }

    @Test func aTruthFileWithSomeOfItsWAVsMissingIsAnError() throws {
        let two = Data("[{\"wav_file\": \"a.wav\", \"length_sec\": 3, \"detection_windows\": []}, {\"wav_file\": \"b.wav\", \"length_sec\": 3, \"detection_windows\": []}]".utf8)
        let source = try Self.folder(["a.wav": Self.wav(seconds: 3), "sww_ab_test.json": two])
        defer { try? FileManager.default.removeItem(at: source) }
        let error = try #require(throws: PreparationError.self) {
            try WakewordStreamPreparer(source: source, output: source.appendingPathComponent("out")).prepare()
        }
        #expect(error.description.contains("b.wav"))
    }
}
