import Foundation
import Testing

/// Runs the built `tinybench` binary (next to the test bundle in the build folder).
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: URL = {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("tinybench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return bundleDir.appendingPathComponent("tinybench")
    }()

    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// ../shared/conformance, as in the runtime tests; nil when absent.
    static let conformance: URL? = {
        let env = ProcessInfo.processInfo.environment["TINYBENCH_SHARED"].map { URL(fileURLWithPath: $0) }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let root = (env ?? package.deletingLastPathComponent().appendingPathComponent("shared")).appendingPathComponent("conformance")
        return FileManager.default.fileExists(atPath: root.appendingPathComponent("kws01/model.tflite").path) ? root : nil
    }()

    static func model(_ name: String) -> String {
        conformance!.appendingPathComponent("\(name)/model.tflite").path
    }

    static func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }
}
