import Foundation
import Testing
import TinyBench

/// The EEMBC dataset layout, on datasets written by the tests.
struct DatasetTests {
    /// A fresh dataset root with `rows` for `benchmark` and the files the closure writes.
    static func make(_ benchmark: Benchmark, rows: String, files: [String: Int]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-ds-\(UUID().uuidString)")
        let dir = root.appendingPathComponent(benchmark.id)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(rows.utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        for (name, size) in files {
            try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: dir.appendingPathComponent(name))
        }
        return root
    }

    @Test func readsAValidDataset() throws {
        let root = try Self.make(.kws01, rows: "a.bin,12,3\nb.bin, 12 , 11\n\n", files: ["a.bin": 490, "b.bin": 490])
        defer { try? FileManager.default.removeItem(at: root) }
        let ds = try Dataset(root: root, benchmark: .kws01)
        #expect(ds.entries.map(\.file) == ["a.bin", "b.bin"])
        #expect(ds.entries.map(\.label) == [3, 11])
        #expect(try ds.sample(1).count == 490)
        let sum = try ds.checksum()
        let again = try Dataset(root: root, benchmark: .kws01).checksum()
        #expect(sum.count == 64 && sum == again)
        // Hashed incrementally (labels, then each sample); the digest as Python's hashlib gives it.
        #expect(sum == "fd5fc082b3851183fcaaceb6c889f22eed436ffe7fc672d24d2f5783cb8fd56c")
    }

    @Test func readsAnADDatasetWithWindows() throws {
        let root = try Self.make(.ad01, rows: "n.bin,2,0,2560,512\na.bin,2,1,2560,512\n", files: ["n.bin": 102_400, "a.bin": 102_400])
        let ds = try Dataset(root: root, benchmark: .ad01)
        #expect(ds.entries.map(\.label) == [0, 1])
        #expect(Benchmark.ad01.windowsPerFile == 196)
        #expect(Benchmark.ad01.window(195) == 99_840..<102_400)
    }

    @Test func errorsNameTheFileAndLine() throws {
        func error(_ b: Benchmark, _ rows: String, _ files: [String: Int]) throws -> String {
            let root = try Self.make(b, rows: rows, files: files)
            do {
                _ = try Dataset(root: root, benchmark: b)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(try error(.kws01, "a.bin,12\n", [:]).contains("y_labels.csv:1: expected 3 columns"))
        #expect(try error(.kws01, "a.bin,12,3\nb.bin,12,x\n", ["a.bin": 490]).contains("y_labels.csv:2: label 'x'"))
        #expect(try error(.kws01, "a.bin,12,12\n", [:]).contains("label '12' is not a class index"))
        #expect(try error(.kws01, "a.bin,10,1\n", [:]).contains("class count '10' is not 12"))
        #expect(try error(.kws01, "a.bin,12,1\na.bin,12,2\n", ["a.bin": 490]).contains("listed twice"))
        #expect(try error(.kws01, "a.bin,12,1\n", [:]).contains("is missing"))
        #expect(try error(.kws01, "a.bin,12,1\n", ["a.bin": 489]).contains("has 489 bytes, expected 490"))
        #expect(try error(.ad01, "n.bin,2,0,2560,256\n", ["n.bin": 102_400]).contains("stride"))
        #expect(try error(.kws01, "../x.bin,12,1\n", [:]).contains("bad file name"))
        #expect(try error(.kws01, "\n", [:]).contains("lists no samples"))
        // Lines end in LF, CR LF or a lone CR: each counts once.
        #expect(try error(.kws01, "a.bin,12,1\r\nb.bin,12,2\rc.bin,12,x\r\n", ["a.bin": 490, "b.bin": 490]).contains("y_labels.csv:3: label 'x'"))
        #expect(try error(.kws01, "a.bin,12,1\r\r\nb.bin,12\n", ["a.bin": 490]).contains("y_labels.csv:3: expected 3 columns"))
        #expect(try error(.kws01, "a.bin,12,3\r\n b.bin ,12,4\r\n", ["a.bin": 490, "b.bin": 490]) == "no error")
    }

    @Test func missingFolderOrLabels() {
        let nowhere = URL(fileURLWithPath: "/nonexistent-tinybench")
        #expect(throws: DatasetError.missingDirectory("/nonexistent-tinybench/kws01")) { try Dataset(root: nowhere, benchmark: .kws01) }
    }

    @Test func sha256KnownVectors() {
        #expect(Checksum.sha256([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Checksum.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Checksum.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Checksum.sha256([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func benchmarkNames() {
        #expect(Benchmark.named("kws") == .kws01 && Benchmark.named("VWW01") == .vww01 && Benchmark.named("x") == nil)
    }
}

/// `DatasetWriter` produces exactly what `Dataset` reads, and refuses what it would reject.
struct DatasetWriterTests {
    @Test func writtenDatasetsReadBack() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-dw-\(UUID().uuidString)")
        var writer = try DatasetWriter(root: root, benchmark: .ad01)
        try writer.add(file: "n.bin", label: 0, bytes: [UInt8](repeating: 1, count: 102_400))
        try writer.add(file: "a.bin", label: 1, bytes: [UInt8](repeating: 2, count: 102_400))
        try writer.finish()
        let ds = try Dataset(root: root, benchmark: .ad01)
        #expect(ds.entries.map(\.file) == ["n.bin", "a.bin"])
        #expect(ds.entries.map(\.label) == [0, 1])
        #expect(try ds.sample(1) == [UInt8](repeating: 2, count: 102_400))
        let csv = try String(contentsOf: ds.directory.appendingPathComponent("y_labels.csv"), encoding: .utf8)
        #expect(csv == "n.bin,2,0,2560,512\na.bin,2,1,2560,512\n")
        // A second dataset is never written over the first.
        #expect(throws: DatasetWriterError.self) { try DatasetWriter(root: root, benchmark: .ad01) }
    }

    @Test func refusesWhatTheReaderWouldReject() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-dw-\(UUID().uuidString)")
        var writer = try DatasetWriter(root: root, benchmark: .kws01)
        let ok = [UInt8](repeating: 0, count: 490)
        #expect(throws: DatasetWriterError.wrongSize(file: "a.bin", expected: 490, actual: 3)) {
            try writer.add(file: "a.bin", label: 0, bytes: [1, 2, 3])
        }
        #expect(throws: DatasetWriterError.badLabel(file: "a.bin", label: 12, classes: 12)) {
            try writer.add(file: "a.bin", label: 12, bytes: ok)
        }
        #expect(throws: DatasetWriterError.badName("x/a.bin")) { try writer.add(file: "x/a.bin", label: 0, bytes: ok) }
        #expect(throws: DatasetWriterError.empty(writer.directory.path)) { try writer.finish() }
        try writer.add(file: "a.bin", label: 0, bytes: ok)
        #expect(throws: DatasetWriterError.duplicate("a.bin")) { try writer.add(file: "a.bin", label: 1, bytes: ok) }
    }
}
