import Foundation
import Testing
import TestSupport
import TinyRuntime

/// The reference models of ../shared/conformance for the emulator tests.
enum SharedModels {
    static var isAvailable: Bool { SharedData.isAvailable }
    static let skipReason = Comment(rawValue: SharedData.skipReason)

    static func file(_ model: String, _ relative: String) throws -> [UInt8] {
        try SharedData.file(model, relative)
    }

    static func model(_ name: String) throws -> Model {
        try Model(bytes: file(name, "model.tflite"))
    }

    /// A model for tests that need one but not its golden outputs: the
    /// reference model when ../shared is present, else the bundled demo model.
    static func anyModel(_ name: String) throws -> Model {
        try Model(bytes: HarnessData.modelBytes(name))
    }
}
