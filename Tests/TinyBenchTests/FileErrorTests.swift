import Foundation
import Testing
import TinyBench

/// I/O failures are one line naming the path and the system's reason.
struct FileErrorTests {
    @Test func aLogOnAFullDiskStopsAtTheNextCheck() throws {
        let log = try SessionLog(url: URL(fileURLWithPath: "/dev/full"))
        log.write("> name%")
        #expect(throws: FileError("write", "/dev/full", reason: "No space left on device")) { try log.check() }
    }

    @Test func writesAndReadsNameThePathAndTheReason() throws {
        #expect(throws: FileError("write", "/dev/full", reason: "No space left on device")) {
            try FileIO.write(Data("x".utf8), to: URL(fileURLWithPath: "/dev/full"))
        }
        #expect(throws: FileError("write", "/dev/null/x", reason: "Not a directory")) {
            try FileIO.write(Data("x".utf8), to: URL(fileURLWithPath: "/dev/null/x"))
        }
        let missing = "/nonexistent-\(UUID().uuidString)"
        #expect(throws: FileError("read", missing, reason: "No such file or directory")) {
            _ = try FileIO.read(URL(fileURLWithPath: missing))
        }
        #expect(FileError("read", "/x", CocoaError(.fileWriteOutOfSpace)).description == "cannot read /x: No space left on device")
    }
}
