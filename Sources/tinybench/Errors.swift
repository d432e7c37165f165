import ArgumentParser
import Foundation
import TinyBench

/// A failure the CLI reports as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Options that cannot be used together or as given, found once files or the
/// bench had to be read: a usage error like ArgumentParser's own (exit 64).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`; any error becomes one `error: ...` line on standard error,
/// with exit status 64 for usage errors (as ArgumentParser's) and 1 otherwise.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let text = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        // Usage errors read as ArgumentParser's own: `Error: ...`, exit 64.
        let usage = error is UsageError || error is ValidationError || error is BenchError
        Console.error((usage ? "Error: " : "error: ") + text + "\n")
        throw usage ? ExitCode.validationFailure : ExitCode.failure
    }
}

/// The bytes of a file, or a one-line error naming it.
func readFile(_ path: String, what: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("\(what) file \(path) does not exist") }
    guard !isDirectory.boolValue else { throw CLIError("\(what) file \(path) is a directory") }
    guard FileManager.default.isReadableFile(atPath: path) else { throw CLIError("\(what) file \(path) is not readable (permission denied)") }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(what) file \(path)") }
    return [UInt8](data)
}
