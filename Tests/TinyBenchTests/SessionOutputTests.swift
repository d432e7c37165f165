import Foundation
import Testing
import TinyBench

/// Default session folders: a new one per run, even for runs started in the same second.
struct SessionOutputTests {
    static func parent() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-sessions-\(UUID().uuidString)")
    }

    /// Folders made from several threads at once, as runs in several processes would make them.
    final class Made: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var names = [String]()
        private(set) var failures = [String]()

        func add(_ make: () throws -> URL) {
            let outcome = Result { try make() }
            lock.lock()
            defer { lock.unlock() }
            switch outcome {
            case .success(let url): names.append(url.lastPathComponent)
            case .failure(let error): failures.append("\(error)")
            }
        }
    }

    @Test func runsStartedInTheSameSecondGetDistinctFolders() throws {
        let parent = Self.parent()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let made = Made()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            made.add { try SessionFolder.createNew(under: parent, date: date) }
        }
        #expect(made.failures.isEmpty, "\(made.failures)")
        let stamp = try #require(made.names.first { !$0.contains("-") }, "\(made.names)")
        #expect(stamp.count == "yyyyMMdd_HHmmss".count)
        #expect(Set(made.names) == Set([stamp] + (2...8).map { "\(stamp)-\($0)" }))
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: parent.path)
        #expect(Set(onDisk) == Set(made.names))
    }

    @Test func aNameTakenByAFileIsSkipped() throws {
        let parent = Self.parent()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let first = try SessionFolder.createNew(under: parent, date: date)
        try FileManager.default.removeItem(at: first)
        _ = FileManager.default.createFile(atPath: first.path, contents: Data())
        let second = try SessionFolder.createNew(under: parent, date: date)
        #expect(second.lastPathComponent == first.lastPathComponent + "-2")
    }

    @Test func aParentThatIsAFileIsAnErrorNamingIt() throws {
        let file = Self.parent()
        _ = FileManager.default.createFile(atPath: file.path, contents: Data())
        #expect(throws: FileError("create the folder", file.path, reason: "a file of that name exists")) {
            try SessionFolder.createNew(under: file)
        }
    }

    /// JSON for people: sorted keys, pretty printed, slashes as they are.
    @Test func jsonOutputLeavesSlashesAlone() throws {
        let text = String(decoding: try JSONOutput.encoder().encode(["zeta": "/tmp/x", "alpha": "a/b"]), as: UTF8.self)
        #expect(text == "{\n  \"alpha\" : \"a/b\",\n  \"zeta\" : \"/tmp/x\"\n}", "\(text)")
        let line = String(decoding: try JSONOutput.encoder(pretty: false).encode(["path": "/tmp/x"]), as: UTF8.self)
        #expect(line == "{\"path\":\"/tmp/x\"}")
    }
}
