import Foundation

/// Where the tests find ../shared: `$TINYBENCH_SHARED`, else the folder beside
/// the package. Absent on machines without it; the tests that need it skip.
public enum SharedData {
    /// `<shared>/conformance`, when it holds the reference models.
    public static let conformance: URL? = {
        let env = ProcessInfo.processInfo.environment["TINYBENCH_SHARED"].map { URL(fileURLWithPath: $0) }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let root = (env ?? package.deletingLastPathComponent().appendingPathComponent("shared")).appendingPathComponent("conformance")
        return FileManager.default.fileExists(atPath: root.appendingPathComponent("kws01/model.tflite").path) ? root : nil
    }()

    public static var isAvailable: Bool { conformance != nil }

    /// `<shared>/sww`: the runner's sww01 test stream and truth files, when present.
    public static let sww: URL? = {
        guard let root = conformance?.deletingLastPathComponent().appendingPathComponent("sww") else { return nil }
        return FileManager.default.fileExists(atPath: root.appendingPathComponent("sww_long_test.json").path) ? root : nil
    }()
    public static let skipReason = "../shared/conformance is absent (set TINYBENCH_SHARED to its parent to run these)"
    public static let models = ["kws01", "vww01", "ad01", "ic01", "ic02"]

    /// The bytes of `<conformance>/<model>/<relative>`.
    public static func file(_ model: String, _ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: conformance!.appendingPathComponent(model).appendingPathComponent(relative)))
    }

    public static func modelPath(_ name: String) -> String {
        conformance!.appendingPathComponent("\(name)/model.tflite").path
    }
}
