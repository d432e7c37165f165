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
