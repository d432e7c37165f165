import Foundation
import TinyRuntime

/// A model file read from disk, with its checksum for the results.
public struct ModelFile: Sendable {
    public let path: String
    public let bytes: [UInt8]

    /// Reads `path`; a missing, unreadable or directory path is a one-line error naming it.
    public init(path: String) throws(ModelFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missing(path) }
        guard !isDirectory.boolValue else { throw .directory(path) }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path)
        }
        self.path = path
        bytes = [UInt8](data)
    }

    public var sha256: String { Checksum.sha256(bytes) }

    /// The parsed model (a malformed file is a ``ModelError``).
    public func model() throws -> Model { try Model(bytes: bytes) }
}

/// Why a model file could not be read.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case directory(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .missing(let p): "model file \(p) does not exist"
        case .directory(let p): "model file \(p) is a directory"
        case .unreadable(let p): "model file \(p) is not readable (permission denied)"
        }
    }
}
