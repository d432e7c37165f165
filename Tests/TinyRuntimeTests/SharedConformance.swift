import Foundation
import Testing
import TinyRuntime
import TestSupport

/// Access to ../shared/conformance: golden TFLM input/output pairs for the four
/// MLPerf Tiny reference models. Absent on machines without the shared folder;
/// tests that need it are then skipped.
enum SharedConformance {
    static var directory: URL? { SharedData.conformance }
    static var isAvailable: Bool { SharedData.isAvailable }
    static let skipReason = Comment(rawValue: SharedData.skipReason)
    static let models = SharedData.models
    /// Every model with golden cases: the four references and, where present,
    /// the further MLPerf Tiny models (sww01, ic02) the runtime also runs.
    static let goldenModels = models + ["sww01", "ic02"].filter { name in
        directory.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("\(name)/manifest.json").path) } ?? false
    }

    struct Manifest: Decodable {
        struct Case: Decodable {
            let id: String
            let input: String
            let output: String
            let tensors_dir: String?
        }
        struct TensorDump: Decodable {
            let index: Int
            let file: String
            let producer_op: Int?
        }
        struct Intermediates: Decodable {
            let cases: [String]
            let tensors: [TensorDump]
        }
        let model_file: String
        let cases: [Case]
        let intermediates: Intermediates
    }

    static func manifest(_ model: String) throws -> Manifest {
        let url = directory!.appendingPathComponent(model).appendingPathComponent("manifest.json")
        return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url))
    }

    static func file(_ model: String, _ relative: String) throws -> [UInt8] {
        try SharedData.file(model, relative)
    }

    static func model(_ name: String) throws -> Model {
        try Model(bytes: file(name, "model.tflite"))
    }
}
