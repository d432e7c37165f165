import Foundation
import Testing

/// `tinybench model inspect|run|bench` as a user runs them.
@Suite(.enabled(if: CLI.conformance != nil, "../shared/conformance is absent"))
struct ModelCommandTests {
    static let models = ["kws01", "vww01", "ad01", "ic01"]

    @Test(arguments: models)
    func inspectJSONTotalsAreSumsOfRows(model: String) throws {
        let r = try CLI.run(["model", "inspect", CLI.model(model), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let operators = try #require(object["operators"] as? [[String: Any]])
        let totals = try #require(object["totals"] as? [String: Int])
        #expect(Set(totals.keys) == ["macs", "parameters", "weightBytes", "arenaBytes"])
        #expect(operators.compactMap { $0["macs"] as? Int }.reduce(0, +) == totals["macs"])
        #expect(operators.compactMap { $0["parameters"] as? Int }.reduce(0, +) == totals["parameters"])
        #expect(totals["macs"]! > 0 && totals["arenaBytes"]! > 0 && totals["weightBytes"]! > 0)
        for op in operators {
            #expect(op["index"] is Int && op["op"] is String && op["inputShapes"] != nil && op["outputShapes"] != nil)
        }
    }

    @Test func inspectTableHasARowPerOperatorAndTotals() throws {
        let r = try CLI.run(["model", "inspect", CLI.model("kws01")])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.filter { $0.contains("CONV_2D") }.count == 9)  // 5 CONV_2D + 4 DEPTHWISE_CONV_2D
        #expect(lines.contains { $0.hasPrefix("total MACs") && $0.contains("2,664,768") })
        #expect(lines.contains { $0.hasPrefix("arena bytes") })
    }

    @Test(arguments: models)
    func runReproducesAGoldenOutput(model: String) throws {
        let cases = CLI.conformance!.appendingPathComponent("\(model)/cases")
        let expected = try Data(contentsOf: cases.appendingPathComponent("003.out"))
        let hex = try CLI.run(["model", "run", CLI.model(model), "--input", cases.appendingPathComponent("003.in").path])
        #expect(hex.status == 0, "\(hex.stderr)")
        #expect(hex.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected.map { String(format: "%02x", $0) }.joined())
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString).out")
        let toFile = try CLI.run(["model", "run", CLI.model(model), "--input", cases.appendingPathComponent("003.in").path,
                                  "--output", file.path])
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        #expect(try Data(contentsOf: file) == expected)
    }

    @Test func runRejectsAWrongInputSize() throws {
        let input = try CLI.temporaryFile([UInt8](repeating: 0, count: 100), name: "short.in")
        let r = try CLI.run(["model", "run", CLI.model("kws01"), "--input", input])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("error:") && r.stderr.contains("490 bytes") && r.stderr.contains("100"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func benchJSON() throws {
        let r = try CLI.run(["model", "bench", CLI.model("ad01"), "--iterations", "50", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let median = try #require(t["medianMicroseconds"] as? Double)
        let p10 = try #require(t["p10Microseconds"] as? Double), p90 = try #require(t["p90Microseconds"] as? Double)
        #expect(t["iterations"] as? Int == 50)
        #expect(p10 > 0 && p10 <= median && median <= p90)
    }

    @Test func benchTextSaysItIsHostTime() throws {
        let r = try CLI.run(["model", "bench", CLI.model("kws01"), "--iterations", "5"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("host time") && r.stdout.contains("median"))
    }
}

/// Bad models and paths give one line on standard error and a failing status.
struct BadModelTests {
    static func expectOneLineError(_ r: CLI.Result, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        for w in words { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)", sourceLocation: sourceLocation) }
    }

    @Test func missingFile() throws {
        Self.expectOneLineError(try CLI.run(["model", "inspect", "/nonexistent/model.tflite"]), mentioning: ["does not exist"])
    }

    @Test func randomBytes() throws {
        var seed: UInt64 = 7
        let bytes = (0..<4096).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        let path = try CLI.temporaryFile(bytes, name: "random.tflite")
        Self.expectOneLineError(try CLI.run(["model", "inspect", path]), mentioning: ["malformed model"])
        Self.expectOneLineError(try CLI.run(["model", "run", path, "--input", path]), mentioning: ["malformed model"])
    }

    @Test(.enabled(if: CLI.conformance != nil, "../shared/conformance is absent"))
    func truncatedModel() throws {
        let full = try Data(contentsOf: URL(fileURLWithPath: CLI.model("kws01")))
        let path = try CLI.temporaryFile([UInt8](full.prefix(full.count / 2)), name: "half.tflite")
        Self.expectOneLineError(try CLI.run(["model", "bench", path, "--iterations", "1"]), mentioning: ["malformed model"])
    }

    /// Patching kws01's SOFTMAX operator code (25) to TANH (28) must be
    /// reported as an unsupported operator naming the index and the op.
    @Test(.enabled(if: CLI.conformance != nil, "../shared/conformance is absent"))
    func unsupportedOperator() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.model("kws01"))))
        let input = CLI.conformance!.appendingPathComponent("kws01/cases/000.in").path
        // The operator code tables sit at the end of the file; try each byte 25 there.
        var reported: CLI.Result?
        for i in stride(from: bytes.count - 1, through: bytes.count - 256, by: -1) where bytes[i] == 25 {
            var copy = bytes
            copy[i] = 28
            let r = try CLI.run(["model", "run", try CLI.temporaryFile(copy, name: "tanh.tflite"), "--input", input])
            if r.stderr.contains("TANH") {
                reported = r
                break
            }
        }
        let r = try #require(reported, "no operator code could be patched to TANH")
        Self.expectOneLineError(r, mentioning: ["unsupported operator", "operator 12", "TANH"])
    }
}

/// `tinybench ports` lists what libserialport sees (possibly nothing on CI).
struct PortsCommandTests {
    @Test func portsJSON() throws {
        let r = try CLI.run(["ports", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let ports = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        for p in ports {
            #expect((p["path"] as? String)?.hasPrefix("/dev/") == true)
            #expect(["usb", "native", "bluetooth", "unknown"].contains(p["transport"] as? String ?? ""))
        }
    }
}
