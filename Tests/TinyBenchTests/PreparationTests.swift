import Foundation
import Testing
import TinyBench

/// The audio front ends and converters of `tinybench dataset prepare`, on inputs made here.
struct KWSFrontEndTests {
    /// A deterministic clip: a rising 440 Hz tone and a vibrato tone.
    static let clip: [Float] = (0..<16_000).map { i in
        let t = Double(i) / 16_000
        return Float((sin(2 * .pi * 440 * t) * t + 0.3 * sin(2 * .pi * 1234 * t + 0.5 * sin(2 * .pi * 3 * t))) * 0.5)
    }

    /// MFCCs of `clip` from TensorFlow 2.21's tf.signal pipeline as the MLPerf
    /// Tiny reference runs it (Tools/frontend-check computes the same on speech).
    @Test func matchesTensorFlow() {
        let expected: [Int: [Float]] = [
            0: [-44.83001, 7.59619, -13.53620, -0.08760, 0.13515, -7.86369, -6.52046, 4.07393, 5.79513, 0.06318],
            24: [-33.01191, 14.80099, -9.63079, -1.67451, -1.88122, -8.20705, -5.03486, 5.53609, 6.01803, -0.91560],
            48: [-30.17372, 16.36923, -9.14879, -2.09152, -2.45400, -8.18761, -4.84002, 5.57369, 5.70816, -1.12770],
        ]
        let features = KWSFrontEnd().features(Self.clip)
        // TensorFlow works in float32: in bands a pure tone leaves near empty, its
        // rounding noise moves a coefficient by up to ~0.005 (a hundredth of an int8 step).
        #expect(features.count == 490)
        for (frame, values) in expected {
            for (k, v) in values.enumerated() {
                #expect(abs(features[frame * 10 + k] - v) < 1e-2, "frame \(frame) coefficient \(k): \(features[frame * 10 + k]) vs \(v)")
            }
        }
        // Scale-invariant (the reference divides by the maximum) and padded when short.
        #expect(KWSFrontEnd().features(Self.clip.map { $0 * 4 }).elementsEqual(features) { abs($0 - $1) < 1e-3 })
        #expect(KWSFrontEnd().features(Array(Self.clip.prefix(8_000))).count == 490)
    }

    @Test func quantizesLikeMakeBinFiles() {
        // np.array(x / scale + zero_point, dtype=np.int8): truncation toward zero.
        #expect(KWSFrontEnd.quantize([0.9, -0.9, 1.2, -50, 100], scale: 0.5, zeroPoint: 1) == [2, 0, 3, -99, 127])
    }
}

struct WAVFileTests {
    @Test func roundTripsAndNamesBadFiles() throws {
        let bytes = WAVFile.encode([0, 0.5, -0.5, -1], sampleRate: 16_000)
        let wav = try WAVFile(bytes: bytes, name: "t.wav")
        #expect(wav.sampleRate == 16_000 && wav.samples == [0, 0.5, -0.5, -1])
        #expect(throws: PreparationError.badAudio("t.wav", "not a RIFF/WAVE file")) { try WAVFile(bytes: Array(bytes.prefix(10)), name: "t.wav") }
        #expect(throws: PreparationError.self) { try WAVFile(bytes: Array(bytes.dropLast(3)), name: "t.wav") }
        var stereo = bytes
        stereo[22] = 2
        #expect(throws: PreparationError.badAudio("t.wav", "2 channels; mono is required")) { try WAVFile(bytes: stereo, name: "t.wav") }
        var float = bytes
        float[20] = 3
        float[34] = 32
        #expect(throws: PreparationError.badAudio("t.wav", "format 3 with 32-bit samples; 16-bit PCM is required")) {
            try WAVFile(bytes: float, name: "t.wav")
        }
    }

    /// A stereo stream (sww01's) keeps its channels interleaved; a trailing half frame is dropped.
    @Test func stereoPCMKeepsItsFrames() throws {
        // Four 16-bit values read as two stereo frames: (0, 16384), (-16384, -32768).
        var stereo = WAVFile.encode([0, 0.5, -0.5, -1], sampleRate: 16_000)
        stereo[22] = 2
        let audio = try PCM16Audio(bytes: stereo, name: "s.wav")
        #expect(audio.channels == 2 && audio.sampleRate == 16_000)
        #expect(audio.interleaved == [0, 16384, -16384, -32768] && audio.dataBytes == 8)
        let odd = WAVFile.encode([0, 0.5, -0.5], sampleRate: 16_000)
        var oddStereo = odd
        oddStereo[22] = 2
        #expect(try PCM16Audio(bytes: oddStereo, name: "o.wav").interleaved == [0, 16384])
    }
}

struct SpeechCommandsPreparationTests {
    static func tempDir() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-prep-\(UUID().uuidString)") }

    @Test func testArchiveLayoutBecomesTwelveClasses() throws {
        let src = Self.tempDir()
        for folder in ["yes", "down", "_silence_", "_unknown_"] {
            try FileManager.default.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
            try Data(WAVFile.encode(KWSFrontEndTests.clip, sampleRate: 16_000)).write(to: src.appendingPathComponent("\(folder)/a.wav"))
        }
        let out = Self.tempDir()
        let n = try DatasetPreparer(benchmark: .kws01, source: src, output: out).prepareKeywordSpotting(inputScale: 0.5847029, inputZeroPoint: 83)
        #expect(n == 4)
        let ds = try Dataset(root: out, benchmark: .kws01)
        #expect(ds.entries.map(\.label) == [0, 9, 10, 11])
        #expect(ds.entries.map(\.file) == ["tst_000000_Down_0.bin", "tst_000001_Yes_9.bin", "tst_000002_Silence_10.bin", "tst_000003_Unknown_11.bin"])
        let decoded = try WAVFile(bytes: WAVFile.encode(KWSFrontEndTests.clip, sampleRate: 16_000), name: "clip").samples
        let expected = KWSFrontEnd.quantize(KWSFrontEnd().features(decoded), scale: 0.5847029, zeroPoint: 83)
        #expect(try ds.sample(0) == expected.map { UInt8(bitPattern: $0) })
    }

    @Test func fullArchiveUsesTheTestingListAndBackgroundNoise() throws {
        let src = Self.tempDir()
        for folder in ["go", "marvin", "_background_noise_"] {
            try FileManager.default.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let wav = Data(WAVFile.encode(KWSFrontEndTests.clip, sampleRate: 16_000))
        try wav.write(to: src.appendingPathComponent("go/a.wav"))
        try wav.write(to: src.appendingPathComponent("go/b.wav"))
        try wav.write(to: src.appendingPathComponent("marvin/c.wav"))
        try Data(WAVFile.encode(KWSFrontEndTests.clip + KWSFrontEndTests.clip + [0, 0], sampleRate: 16_000))
            .write(to: src.appendingPathComponent("_background_noise_/noise.wav"))
        try Data("go/a.wav\nmarvin/c.wav\n".utf8).write(to: src.appendingPathComponent("testing_list.txt"))
        let clips = try SpeechCommands.clips(in: src)
        #expect(clips.map(\.label) == [1, 10, 10, 11])   // go/b.wav is not in the test list; two whole seconds of noise
        #expect(clips[2].range == 16_000..<32_000)
        // A wrong sample rate is named.
        try Data(WAVFile.encode(KWSFrontEndTests.clip, sampleRate: 8_000)).write(to: src.appendingPathComponent("go/a.wav"))
        #expect(throws: PreparationError.wrongSampleRate(src.appendingPathComponent("go/a.wav").path, found: 8_000, expected: 16_000)) {
            try DatasetPreparer(benchmark: .kws01, source: src, output: Self.tempDir()).prepareKeywordSpotting(inputScale: 1, inputZeroPoint: 0)
        }
    }
}

struct ADFrontEndTests {
    /// Log-mel values of a deterministic clip from librosa 0.11
    /// (melspectrogram(n_fft=1024, hop_length=512, n_mels=128, power=2, pad_mode="reflect"), 10·log10(mel + ε)).
    @Test func matchesLibrosa() {
        let clip: [Float] = (0..<4096).map { i in
            let t = Double(i) / 16_000
            return Float(0.3 * sin(2 * .pi * 440 * t) + 0.1 * sin(2 * .pi * 3000 * t) + 0.05 * sin(2 * .pi * 150 * t * t * 50))
        }
        let frames = ADFrontEnd().logMel(clip)
        #expect(frames.count == 9 && frames.allSatisfy { $0.count == 128 })
        let expected: [Int: [Float]] = [
            0: [5.0135, 1.4641, -21.0981, -23.1312, -32.5719],
            4: [-72.6228, -54.7, -76.1564, -129.4854, -151.2731],
            8: [-4.1563, -0.3839, -18.6091, -42.4364, -62.4519],
        ]
        for (f, values) in expected {
            for (band, v) in zip([0, 10, 50, 100, 127], values) {
                // Float32 in librosa: a few thousandths of a dB where the spectrum is near empty.
                #expect(abs(frames[f][band] - v) < 0.02, "frame \(f) band \(band): \(frames[f][band]) vs \(v)")
            }
        }
        #expect(ADFrontEnd.fileBytes(frames) == nil)
        let long = ADFrontEnd().logMel([Float](repeating: 0.01, count: ADFrontEnd.samples(forFrames: 200)))
        #expect(long.count == 200 && ADFrontEnd.fileBytes(long)?.count == 102_400)
    }
}

struct ImageAndSpectrogramPreparationTests {
    static func tempDir() -> URL { SpeechCommandsPreparationTests.tempDir() }

    @Test func visualWakeWordsFromJPEGFolders() throws {
        let src = Self.tempDir()
        for folder in ["person", "non_person"] {
            try FileManager.default.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let flat = RGBImage(width: 96, height: 96, pixels: [UInt8](repeating: 0, count: 96 * 96 * 3).enumerated().map { UInt8(($0.offset / 3) % 96 * 2) })
        try Data(flat.jpeg(quality: 100)).write(to: src.appendingPathComponent("person/COCO_val2014_000000000139.jpg"))
        let wide = RGBImage(width: 120, height: 80, pixels: [UInt8](repeating: 200, count: 120 * 80 * 3))
        try Data(wide.jpeg()).write(to: src.appendingPathComponent("non_person/COCO_val2014_000000343218.jpg"))
        let out = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .vww01, source: src, output: out).prepareVisualWakeWords() == 2)
        let ds = try Dataset(root: out, benchmark: .vww01)
        #expect(ds.entries.map(\.file) == ["000000343218.bin", "000000000139.bin"])
        #expect(ds.entries.map(\.label) == [0, 1])
        // A flat 120×80 image resized to 96×96 stays flat (JPEG keeps 200 within a step or two).
        #expect(try ds.sample(0).allSatisfy { abs(Int($0) - 200) <= 2 })
        // The 96×96 gradient is kept pixel for pixel, up to JPEG's rounding at quality 100.
        let decoded = try ds.sample(1)
        #expect(zip(decoded, flat.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 3 })
        // A label list picks and orders files; a file it names that is missing is an error.
        let list = src.appendingPathComponent("y_labels.csv")
        try Data("000000000139.bin,2,1\n".utf8).write(to: list)
        let picked = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .vww01, source: src, output: picked)
            .prepareVisualWakeWords(labels: DatasetPreparer.labelList(list)) == 1)
        try Data("000000000139.bin,2,1\n000000000777.bin,2,0\n".utf8).write(to: list)
        #expect(throws: PreparationError.self) {
            try DatasetPreparer(benchmark: .vww01, source: src, output: Self.tempDir()).prepareVisualWakeWords(labels: DatasetPreparer.labelList(list))
        }
        // Not a JPEG: named.
        try Data("not an image".utf8).write(to: src.appendingPathComponent("person/broken.jpg"))
        #expect(throws: PreparationError.self) {
            try DatasetPreparer(benchmark: .vww01, source: src, output: Self.tempDir()).prepareVisualWakeWords()
        }
    }

    @Test func cifarRecordsBecomeInterleavedRGB() throws {
        // Two records: label, then the R, G and B planes.
        var batch = [UInt8]()
        for (label, base) in [(3, 10), (9, 20)] {
            batch.append(UInt8(label))
            for plane in 0..<3 { batch += (0..<1024).map { UInt8((base + plane + $0) % 256) } }
        }
        let src = Self.tempDir()
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try Data(batch).write(to: src.appendingPathComponent("test_batch.bin"))
        let out = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .ic01, source: src, output: out).prepareImageClassification() == 2)
        let ds = try Dataset(root: out, benchmark: .ic01)
        #expect(ds.entries.map(\.file) == ["cat_00000.bin", "truck_00001.bin"])
        let first = try ds.sample(0)
        #expect(Array(first.prefix(6)) == [10, 11, 12, 11, 12, 13])   // pixel 0: R G B, pixel 1: R G B
        try Data(batch.dropLast()).write(to: src.appendingPathComponent("test_batch.bin"))
        #expect(throws: PreparationError.self) { try DatasetPreparer(benchmark: .ic01, source: src, output: Self.tempDir()).prepareImageClassification() }
    }

    /// A two-image CIFAR-10 Python batch laid out as Python 2's cPickle
    /// (protocol 2) writes the published files; Python 3's
    /// `pickle.loads(..., encoding="bytes")` reads these exact bytes back as
    /// {labels: [3, 9], data: uint8 array (2, 3072), filenames: [...]}
    /// (checked when this test was written).
    static func cifarPythonBatch(_ images: [UInt8]) -> [UInt8] {
        func short(_ s: String) -> [UInt8] { [UInt8(ascii: "U"), UInt8(s.utf8.count)] + Array(s.utf8) }
        var p: [UInt8] = [0x80, 0x02, 0x7d, 0x71, 0x01, 0x28]
        p += short("batch_label") + [0x71, 0x02] + short("testing batch 1 of 1") + [0x71, 0x03]
        p += short("labels") + [0x71, 0x04, 0x5d, 0x71, 0x05, 0x28] + Array("K\u{3}K\u{9}e".utf8)
        p += short("data") + [0x71, 0x06] + Array("cnumpy.core.multiarray\n_reconstruct\nq\u{7}cnumpy\nndarray\nq\u{8}K\u{0}".utf8)
        p += [0x85] + short("b") + [0x87, UInt8(ascii: "R"), 0x71, 0x09, 0x28, UInt8(ascii: "K"), 1, UInt8(ascii: "M"), 2, 0, UInt8(ascii: "M"), 0, 12, 0x86]
        p += Array("cnumpy\ndtype\nq\u{a}".utf8) + short("u1") + Array("K\u{0}K\u{1}".utf8) + [0x87, UInt8(ascii: "R"), 0x71, 0x0b, 0x28]
        p += Array("K\u{3}".utf8) + short("|") + Array("NNN".utf8) + [UInt8(ascii: "J"), 255, 255, 255, 255, UInt8(ascii: "J"), 255, 255, 255, 255]
        p += Array("K\u{0}tb".utf8) + [0x89, UInt8(ascii: "T")] + withUnsafeBytes(of: UInt32(images.count).littleEndian, Array.init) + images
        p += Array("tb".utf8) + short("filenames") + [0x71, 0x0c, 0x5d, 0x71, 0x0d, 0x28]
        p += short("cat_s_000019.png") + short("emu_s_002009.png") + Array("eu.".utf8)
        return p
    }

    @Test func cifarPythonBatchKeepsTheOriginalNames() throws {
        let images = (0..<6144).map { UInt8(truncatingIfNeeded: $0) ^ 0x5a }
        let src = Self.tempDir()
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        let pickle = Self.cifarPythonBatch(images)
        #expect(pickle.count == 6405)
        try Data(pickle).write(to: src.appendingPathComponent("test_batch"))
        let out = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .ic01, source: src, output: out).prepareImageClassification() == 2)
        let ds = try Dataset(root: out, benchmark: .ic01)
        #expect(ds.entries.map(\.file) == ["cat_s_000019.bin", "emu_s_002009.bin"])
        #expect(ds.entries.map(\.label) == [3, 9])
        #expect(Array(try ds.sample(1).prefix(3)) == [images[3072], images[3072 + 1024], images[3072 + 2048]])
        // The MLPerf list picks and orders by those names.
        let list = src.appendingPathComponent("y_labels.csv")
        try Data("emu_s_002009.bin,10,9\n".utf8).write(to: list)
        let picked = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .ic01, source: src, output: picked).prepareImageClassification(labels: DatasetPreparer.labelList(list)) == 1)
        // A truncated pickle is named, not half-read.
        try Data(pickle.prefix(3000)).write(to: src.appendingPathComponent("test_batch"))
        #expect(throws: PreparationError.self) { try DatasetPreparer(benchmark: .ic01, source: src, output: Self.tempDir()).prepareImageClassification() }
    }

    @Test func toyADMOSWavsBecomeLogMelFiles() throws {
        let src = Self.tempDir().appendingPathComponent("ToyCar/test")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        let n = ADFrontEnd.samples(forFrames: 200) + 5_000
        let tone: [Float] = (0..<n).map { Float(0.2 * sin(Double($0) * 0.05)) }
        try Data(WAVFile.encode(tone, sampleRate: 16_000)).write(to: src.appendingPathComponent("normal_id_01_00000003.wav"))
        try Data(WAVFile.encode(tone.map { $0 * 0.5 }, sampleRate: 16_000)).write(to: src.appendingPathComponent("anomaly_id_01_00000001.wav"))
        let out = Self.tempDir()
        #expect(try DatasetPreparer(benchmark: .ad01, source: src.deletingLastPathComponent(), output: out).prepareAnomalyDetection() == 2)
        let ds = try Dataset(root: out, benchmark: .ad01)
        #expect(ds.entries.map(\.file) == ["anomaly_id_01_00000001_hist_librosa.bin", "normal_id_01_00000003_hist_librosa.bin"])
        #expect(ds.entries.map(\.label) == [1, 0])
        let decoded = try WAVFile(bytes: WAVFile.encode(tone, sampleRate: 16_000), name: "t").samples
        #expect(try ds.sample(1) == ADFrontEnd.fileBytes(ADFrontEnd().logMel(decoded)))
        // Too short, or the wrong rate: named.
        try Data(WAVFile.encode(Array(tone.prefix(1000)), sampleRate: 16_000)).write(to: src.appendingPathComponent("normal_id_01_00000009.wav"))
        #expect(throws: PreparationError.self) {
            try DatasetPreparer(benchmark: .ad01, source: src, output: Self.tempDir()).prepareAnomalyDetection()
        }
    }
}
