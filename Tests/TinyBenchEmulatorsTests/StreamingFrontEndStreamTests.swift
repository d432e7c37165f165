import Foundation
import Testing
import TestSupport
import TinyRuntime
import TinyBenchEmulators

/// The front end and the reference sww01 model (TinyRuntime) over the
/// runner's 10 s stream, as the reference DUT runs them: one inference per
/// 512-sample hop of the left channel, a detection when `out[0] > 115`.
/// Needs ../shared (conformance/sww01/model.tflite, sww/short_wav_easy10s.wav).
@Suite(.enabled(if: SharedData.sww != nil && SharedData.conformance.map {
    FileManager.default.fileExists(atPath: $0.appendingPathComponent("sww01/model.tflite").path) } == true,
    "../shared/sww or ../shared/conformance/sww01 is absent"))
struct StreamingFrontEndStreamTests {
    /// Interleaved 16-bit samples of a PCM WAV's data chunk.
    static func wavSamples(_ url: URL) throws -> [Int16] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
            }
            offset += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    /// The oracle's features of a WAV's first seconds, computed now (python3
    /// with numpy; nil when either is missing).
    static func oracleFeatures(_ wav: URL, seconds: Int) -> [[Int]]? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/sww-frontend/oracle.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--wav", wav.path, String(seconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [[Int]]
    }

    @Test func streamsMatchTheOracle() throws {
        for (name, seconds) in [("short_wav_easy10s.wav", 10), ("marvin_617de221_0.wav", 1)] {
            let url = SharedData.sww!.appendingPathComponent(name)
            guard let expected = Self.oracleFeatures(url, seconds: seconds) else {
                print("sww front end: python3 with numpy is unavailable; oracle comparison on \(name) skipped")
                return
            }
            let left = StreamingFrontEnd.leftChannel(try Self.wavSamples(url))
            var fe = StreamingFrontEnd()
            var differ = 0, total = 0
            for (k, row) in expected.enumerated() {
                let got = fe.eval(left[(k * 512)..<(k * 512 + 512)])
                for (a, b) in zip(got, row) where Int(a) != b {
                    differ += 1
                    #expect(abs(Int(a) - b) <= 1, "\(name) frame \(k): \(a) vs oracle \(b)")
                }
                total += row.count
            }
            print("sww front end vs oracle, \(name): \(differ) of \(total) features differ by 1")
            #expect(total == seconds * 16000 / 512 * 40)
            // Observed exact on both (13,720 features); a difference would be FFT rounding, 1 step.
            #expect(differ == 0, "\(differ) of \(total) features differ from the oracle")
        }
    }

    @Test func easyStreamDetectionsAsTheNotesPredict() throws {
        let model = try Model(contentsOf: SharedData.conformance!.appendingPathComponent("sww01/model.tflite"))
        let interpreter = try Interpreter(model: model)
        let inputScale = try #require(interpreter.inputs[0].quantization).scale
        #expect(inputScale == StreamingFrontEnd.referenceInputScale)
        let left = StreamingFrontEnd.leftChannel(try Self.wavSamples(SharedData.sww!.appendingPathComponent("short_wav_easy10s.wav")))
        var fe = StreamingFrontEnd(inputScale: inputScale)
        // The board plays whole 4 KiB refills only: 312 frames of the 10 s stream.
        var out0: [Int8] = []
        for k in 0..<312 {
            fe.eval(left[(k * 512)..<(k * 512 + 512)])
            try interpreter.setInput(fe.modelInput.map { UInt8(bitPattern: $0) })
            interpreter.invoke()
            out0.append(Int8(bitPattern: try interpreter.output()[0]))
        }
        // Frame k's pulse is k * 32 ms after the sync pulse of frame 0.
        func peak(_ from: Double, _ to: Double) -> Int8 {
            out0.indices.filter { Double($0) * 0.032 >= from && Double($0) * 0.032 <= to }.map { out0[$0] }.max()!
        }
        let detections = out0.indices.filter { $0 > 0 && out0[$0] > 115 }
        print("sww easy stream: detections at frames \(detections) (out0 \(detections.map { out0[$0] }))")
        #expect(peak(1.0, 3.65) == 127)
        #expect(peak(4.0, 6.77) == 116)
        let window2 = detections.filter { Double($0) * 0.032 >= 4.0 && Double($0) * 0.032 <= 6.77 }
        #expect(window2.count == 1 && abs(Double(window2.first ?? 0) * 0.032 - 4.99) < 0.02)
        #expect(peak(7.0, 9.4) == 104)
    }
}
