import Foundation
import Testing

/// `tinybench model inspect|run|bench` as a user runs them.
@Suite(.enabled(if: CLI.conformance != nil, CLI.skipReason))
struct ModelCommandTests {
    static let models = ["kws01", "vww01", "ad01", "ic01", "ic02"]

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

    /// The table and the JSON tell the same story: a row per operator with the
    /// same MACs, and the same totals.
    @Test(arguments: models)
    func inspectTableAgreesWithJSON(model: String) throws {
        let table = try CLI.run(["model", "inspect", CLI.model(model)])
        let json = try CLI.run(["model", "inspect", CLI.model(model), "--json"])
        #expect(table.status == 0 && json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let operators = try #require(object["operators"] as? [[String: Any]])
        let totals = try #require(object["totals"] as? [String: Int])
        #expect(operators.compactMap { $0["weightBytes"] as? Int }.reduce(0, +) == totals["weightBytes"])

        func grouped(_ n: Int) -> String {
            let f = NumberFormatter()
            f.numberStyle = .decimal
            f.groupingSeparator = ","
            f.usesGroupingSeparator = true
            return f.string(from: NSNumber(value: n))!
        }
        // Operator rows start with their index; the header starts with "#".
        let rows = table.stdout.split(separator: "\n").filter { $0.first(where: { $0 != " " })?.isNumber == true }
        #expect(rows.count == operators.count)
        for (row, op) in zip(rows, operators) {
            let fields = row.split(separator: " ")
            #expect(fields.first.map(String.init) == String(op["index"] as! Int))
            #expect(fields.dropFirst().first.map(String.init) == op["op"] as? String)
            #expect(row.contains(grouped(op["macs"] as! Int)))
        }
        for (label, key) in [("total MACs", "macs"), ("parameters", "parameters"), ("weight bytes", "weightBytes"), ("arena bytes", "arenaBytes")] {
            let line = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix(label) }, "no '\(label)' line")
            #expect(line.split(separator: " ").contains { $0 == grouped(totals[key]!) }, "\(line) vs \(totals[key]!)")
        }
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
        try? FileManager.default.removeItem(at: file)
    }

    @Test func runRejectsAWrongInputSize() throws {
        for count in [100, 491] {
            try CLI.withTemporaryFile([UInt8](repeating: 0, count: count), name: "wrong.in") { input in
                let r = try CLI.run(["model", "run", CLI.model("kws01"), "--input", input])
                BadModelTests.expectOneLineError(r, mentioning: ["input file", "holds \(count) bytes", "takes 490 bytes"])
            }
        }
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

    @Test(arguments: models)
    func benchJSONOnEveryModel(model: String) throws {
        let r = try CLI.run(["model", "bench", CLI.model(model), "--iterations", "5", "--warmup", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(t.keys) == ["medianMicroseconds", "p10Microseconds", "p90Microseconds", "iterations"])
        let p10 = try #require(t["p10Microseconds"] as? Double), median = try #require(t["medianMicroseconds"] as? Double)
        let p90 = try #require(t["p90Microseconds"] as? Double)
        #expect(p10 > 0 && p10 <= median && median <= p90)
    }

    @Test func benchRejectsNonPositiveIterations() throws {
        let r = try CLI.run(["model", "bench", CLI.model("ad01"), "--iterations", "0"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--iterations must be between 1 and 10000000, got 0"))
    }

    @Test func benchTextSaysItIsHostTime() throws {
        let r = try CLI.run(["model", "bench", CLI.model("kws01"), "--iterations", "5"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("host time") && r.stdout.contains("median"))
    }
}

/// Bad models and paths give one line on standard error and a failing status,
/// whichever `model` subcommand reads them.
struct BadModelTests {
    static func expectOneLineError(_ r: CLI.Result, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
        for w in words { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)", sourceLocation: sourceLocation) }
    }

    /// The three ways to hand a model to `tinybench model`, with `path` as the model.
    static func everySubcommand(_ path: String, input: String) -> [[String]] {
        [["model", "inspect", path], ["model", "inspect", path, "--json"],
         ["model", "run", path, "--input", input],
         ["model", "bench", path, "--iterations", "1"]]
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var seed = seed
        return (0..<count).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
    }

    @Test func missingFile() throws {
        try CLI.withTemporaryFile([0], name: "one.in") { input in
            for arguments in Self.everySubcommand("/nonexistent/model.tflite", input: input) {
                Self.expectOneLineError(try CLI.run(arguments), mentioning: ["/nonexistent/model.tflite", "does not exist"])
            }
        }
    }

    @Test func directoryInsteadOfAFile() throws {
        let directory = FileManager.default.temporaryDirectory.path
        Self.expectOneLineError(try CLI.run(["model", "inspect", directory]), mentioning: ["is a directory"])
    }

    @Test func emptyFile() throws {
        try CLI.withTemporaryFile([], name: "empty.tflite") { path in
            for arguments in Self.everySubcommand(path, input: path) {
                Self.expectOneLineError(try CLI.run(arguments), mentioning: ["malformed model"])
            }
        }
    }

    @Test func randomBytes() throws {
        for seed in [7, 8, 9] as [UInt64] {
            try CLI.withTemporaryFile(Self.randomBytes(4096, seed: seed), name: "random.tflite") { path in
                for arguments in Self.everySubcommand(path, input: path) {
                    Self.expectOneLineError(try CLI.run(arguments), mentioning: ["malformed model"])
                }
            }
        }
    }

    /// A random body behind a valid header: the reader must look further than the identifier.
    @Test func randomBytesWithAValidIdentifier() throws {
        var bytes = Self.randomBytes(4096, seed: 11)
        bytes.replaceSubrange(0..<8, with: [16, 0, 0, 0] + Array("TFL3".utf8))
        try CLI.withTemporaryFile(bytes, name: "tfl3-random.tflite") { path in
            Self.expectOneLineError(try CLI.run(["model", "inspect", path]), mentioning: ["model"])
        }
    }

    @Test(.enabled(if: CLI.conformance != nil, CLI.skipReason), arguments: ModelCommandTests.models)
    func truncatedModel(model: String) throws {
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.model(model))))
        let input = CLI.conformance!.appendingPathComponent("\(model)/cases/000.in").path
        for fraction in [2, 10] {
            try CLI.withTemporaryFile(Array(full.prefix(full.count / fraction)), name: "part.tflite") { path in
                for arguments in Self.everySubcommand(path, input: input) {
                    Self.expectOneLineError(try CLI.run(arguments), mentioning: ["malformed model"])
                }
            }
        }
    }

    /// kws01 with its SOFTMAX operator code (25) patched to TANH (28): `run`
    /// and `bench` must report an unsupported operator naming the index and
    /// the op; `inspect` still describes the model (that is how one finds out
    /// what a model needs).
    @Test(.enabled(if: CLI.conformance != nil, CLI.skipReason))
    func unsupportedOperator() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.model("kws01"))))
        let input = CLI.conformance!.appendingPathComponent("kws01/cases/000.in").path
        // The operator code tables sit at the end of the file; try each byte 25 there.
        var patched: (path: String, result: CLI.Result)?
        for i in stride(from: bytes.count - 1, through: bytes.count - 256, by: -1) where bytes[i] == 25 {
            var copy = bytes
            copy[i] = 28
            let path = try CLI.temporaryFile(copy, name: "tanh.tflite")
            let r = try CLI.run(["model", "run", path, "--input", input])
            if r.stderr.contains("TANH") {
                patched = (path, r)
                break
            }
            unlink(path)
        }
        let (path, r) = try #require(patched, "no operator code could be patched to TANH")
        defer { unlink(path) }
        Self.expectOneLineError(r, mentioning: ["unsupported operator", "operator 12", "TANH"])
        Self.expectOneLineError(try CLI.run(["model", "bench", path, "--iterations", "1"]),
                                mentioning: ["unsupported operator", "operator 12", "TANH"])
        let inspect = try CLI.run(["model", "inspect", path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.split(separator: "\n").contains { $0.hasPrefix("12") && $0.contains("TANH") })
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
