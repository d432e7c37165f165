import Foundation
import Testing
import TestSupport

/// `tinybench models fetch` against a loopback server holding the reference
/// models (the ../shared copies, which have the published MD5s).
@Suite(.enabled(if: CLI.conformance != nil, CLI.skipReason))
struct ModelsCommandTests {
    static let paths = [
        "kws01": "benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
        "vww01": "benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite",
        "ad01": "benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite",
        "ic01": "benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
        "ic02": "benchmark/training/image_classification/trained_models/pretrainedResnet_large_int8.tflite",
        "sww01": "benchmark/training/streaming_wakeword/trained_models/str_ww_ref_model.tflite",
    ]

    @Test func fetchesAllSixAndVerifiesThem() throws {
        var files = [String: [UInt8]]()
        for (id, path) in Self.paths { files[path] = try SharedData.file(id, "model.tflite") }
        let server = try LoopbackHTTPServer(files: files)
        defer { server.stop() }
        let dest = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-models-\(UUID().uuidString)")
        let r = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL])
        #expect(r.status == 0, "\(r.stderr)")
        for id in Self.paths.keys {
            #expect(r.stdout.contains("\(id): downloaded, MD5"))
            #expect(FileManager.default.contents(atPath: dest.appendingPathComponent("\(id).tflite").path).map { [UInt8]($0) } == files[Self.paths[id]!])
        }
        let again = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL, "--only", "kws"])
        #expect(again.status == 0 && again.stdout == "kws01: already present with MD5 618aeb155673dae92fa6a7f26608add5: \(dest.path)/kws01.tflite\n")
        // `ic` is ic01 only; ic02 is `ic2` or `ic02`.
        let ic = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL, "--only", "ic"])
        #expect(ic.status == 0 && ic.stdout == "ic01: already present with MD5 2d6dd48722471313e4c4528249205ae3: \(dest.path)/ic01.tflite\n", "\(ic.stdout)")
        let ic2 = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL, "--only", "ic2"])
        #expect(ic2.status == 0 && ic2.stdout == "ic02: already present with MD5 a1557194b784a2a1842bf6896f30ce7e: \(dest.path)/ic02.tflite\n", "\(ic2.stdout)")
        let sww = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL, "--only", "sww"])
        #expect(sww.status == 0 && sww.stdout == "sww01: already present with MD5 9643512e0b8a0b6e643e70c2fec496ee: \(dest.path)/sww01.tflite\n", "\(sww.stdout)")
    }

    @Test func aWrongFileIsRefused() throws {
        let server = try LoopbackHTTPServer(files: [Self.paths["ad01"]!: try SharedData.file("kws01", "model.tflite")])
        defer { server.stop() }
        let dest = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-models-\(UUID().uuidString)")
        let r = try CLI.run(["models", "fetch", "--dest", dest.path, "--base-url", server.baseURL, "--only", "ad01"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: ") && r.stderr.contains("ad01_int8.tflite"))
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("ad01.tflite").path))
    }
}
