import Foundation
import Testing
import TestSupport
import TinyBench

struct MD5Tests {
    /// RFC 1321's test suite.
    @Test func rfcVectors() {
        #expect(Checksum.md5(Array("".utf8)) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Checksum.md5(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Checksum.md5(Array("message digest".utf8)) == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(Checksum.md5(Array("abcdefghijklmnopqrstuvwxyz".utf8)) == "c3fcd3d76192e4007dfb496cca67e13b")
        #expect(Checksum.md5(Array(String(repeating: "1234567890", count: 8).utf8)) == "57edf4a22be3c955ac49da2e2107b67a")
    }
}

/// Downloads from a server on 127.0.0.1 (no internet here): the fetcher takes
/// its catalogue as values, so the test serves bytes whose MD5 it knows.
@Suite(.serialized)
struct ModelFetcherTests {
    static func catalogue(_ files: [String: [UInt8]]) -> [ReferenceModel] {
        files.keys.sorted().map { path in
            ReferenceModel(benchmark: String(path.split(separator: "/").last!.prefix(5)), path: path, md5: Checksum.md5(files[path]!), bytes: files[path]!.count)
        }
    }

    static func tempDir() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-fetch-\(UUID().uuidString)") }

    @Test func fetchesVerifiesAndKeepsGoodFiles() throws {
        let files = ["m/kws01.tflite": [UInt8](repeating: 7, count: 5000), "m/ic01x.tflite": (0..<70_000).map { UInt8($0 % 251) }]
        let server = try LoopbackHTTPServer(files: files)
        defer { server.stop() }
        let dest = Self.tempDir()
        let fetcher = ModelFetcher(baseURL: URL(string: server.baseURL)!, destination: dest)
        for model in Self.catalogue(files) {
            #expect(try fetcher.fetch(model) == .downloaded(path: dest.appendingPathComponent(model.fileName).path))
            #expect(FileManager.default.contents(atPath: dest.appendingPathComponent(model.fileName).path).map { Checksum.md5([UInt8]($0)) } == model.md5)
            #expect(try fetcher.fetch(model) == .alreadyPresent(path: dest.appendingPathComponent(model.fileName).path))
        }
    }

    @Test func badDownloadsAreNamedAndNotSaved() throws {
        let files = ["a/kws01.tflite": [UInt8](repeating: 1, count: 4000), "a/vww01.tflite": [UInt8](repeating: 2, count: 8000)]
        let server = try LoopbackHTTPServer(files: files, truncate: ["a/vww01.tflite"])
        defer { server.stop() }
        let dest = Self.tempDir()
        let fetcher = ModelFetcher(baseURL: URL(string: server.baseURL)!, destination: dest)
        var wrong = Self.catalogue(files)[0]
        wrong.md5 = String(repeating: "0", count: 32)
        #expect(throws: FetchError.checksum(url: server.baseURL + "a/kws01.tflite", expected: wrong.md5, actual: Checksum.md5(files["a/kws01.tflite"]!))) {
            try fetcher.fetch(wrong)
        }
        let missing = ReferenceModel(benchmark: "ad01", path: "a/none.tflite", md5: wrong.md5, bytes: 10)
        #expect(throws: FetchError.http(url: server.baseURL + "a/none.tflite", status: 404)) { try fetcher.fetch(missing) }
        #expect(throws: FetchError.self) { try fetcher.fetch(Self.catalogue(files)[1]) }   // cut short mid-body
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dest.path)) ?? []).isEmpty)
        // Nobody listening.
        server.stop()
        var refused = ModelFetcher(baseURL: URL(string: server.baseURL)!, destination: dest)
        refused.timeoutSeconds = 5
        #expect(throws: FetchError.self) { try refused.fetch(Self.catalogue(files)[0]) }
    }
}
