import Foundation
import TinyBench
import TinyRuntime

/// Connections to an in-process emulated DUT, as `SuiteRun` asks for them.
public enum EmulatedConnection {
    /// The emulated DUT running `modelPath` for `benchmark` with `profile`'s cost model.
    public static func open(modelPath: String, benchmark: Benchmark, profile: BoardProfile,
                            dataset: Dataset) throws -> DUTConnection {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: modelPath)))
        } catch {
            throw EmulatedConnectionError.unreadableModel(modelPath)
        }
        let dut = try EmulatedDUT(model: try Model(bytes: bytes), benchmark: benchmark, profile: profile)
        let manifest = SessionManifest(benchmark: benchmark.id, port: "in-process", baud: nil,
                                       device: "emulated (TinyRuntime + cost model of \(profile.name))", emulated: true,
                                       datasetPath: dataset.directory.deletingLastPathComponent().path,
                                       datasetSHA256: try dataset.checksum(),
                                       modelPath: modelPath, modelSHA256: SHA256.hex(bytes))
        return DUTConnection(transport: EmulatedTransport(dut: dut), manifest: manifest)
    }
}

/// Why the emulated DUT could not be set up.
public enum EmulatedConnectionError: Error, CustomStringConvertible {
    case unreadableModel(String)

    public var description: String {
        switch self {
        case .unreadableModel(let p): "model file \(p) does not exist or cannot be read"
        }
    }
}
