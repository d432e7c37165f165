import Foundation
import Testing
import TinyRuntime

/// Access to ../shared/conformance: golden TFLM input/output pairs for the four
/// MLPerf Tiny reference models. Absent on machines without the shared folder;
/// tests that need it are then skipped.
enum SharedModels {
    /// `$TINYBENCH_SHARED/conformance`, else `<package>/../shared/conformance`.
    static let directory: URL? = {
        let env = ProcessInfo.processInfo.environment["TINYBENCH_SHARED"].map { URL(fileURLWithPath: $0) }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let root = (env ?? package.deletingLastPathComponent().appendingPathComponent("shared"))
            .appendingPathComponent("conformance")
        return FileManager.default.fileExists(atPath: root.appendingPathComponent("kws01/manifest.json").path) ? root : nil
    }()

    static var isAvailable: Bool { directory != nil }
    static let skipReason: Comment = "../shared/conformance is absent (set TINYBENCH_SHARED to its parent to run these)"
    static let models = ["kws01", "vww01", "ad01", "ic01"]

    static func file(_ model: String, _ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory!.appendingPathComponent(model).appendingPathComponent(relative)))
    }

    static func model(_ name: String) throws -> Model {
        try Model(bytes: file(name, "model.tflite"))
    }
}
