import Foundation
import Testing
import TestSupport

/// Conventions every command keeps: the version, class names where classes
/// are listed, help that ends with examples, a summary a script can read
/// (`--json`) or a quiet run, each error printed once.
struct ConventionsTests {
    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        let version = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(r.status == 0 && version.wholeMatch(of: /tinybench \d+\.\d+\.\d+/) != nil, "\(version)")
    }

    @Test func classesAreListedByName() throws {
        let out = SessionFilesCommandTests.tempDir("class-names")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["vww", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: out.appendingPathComponent("vww/accuracy/results.txt"), encoding: .utf8)
        #expect(text.contains("vww accuracy: class 0 (no person): ") && text.contains("vww accuracy: class 1 (person): "), "\(text)")
    }

    /// The command paths below `path`, from the SUBCOMMANDS section of its help.
    static func subcommands(of path: [String]) throws -> [[String]] {
        let help = try CLI.run(path + ["--help"]).stdout
        guard let section = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first else { return [] }
        // Entries are "  name   abstract" lines; the section ends at its blank line.
        let entries = section.components(separatedBy: "\n\n")[0].split(separator: "\n")
        let names = entries.compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return String(word)
        }
        guard path.count < 2 else { return names.map { path + [$0] } }
        return try names.filter { $0 != "help" }.flatMap { name in [path + [name]] + (try subcommands(of: path + [name])) }
    }

    @Test func everyHelpEndsWithTwoOrThreeExamples() throws {
        let commands = [[]] + (try Self.subcommands(of: []))
        #expect(commands.count >= 20, "\(commands)")
        for command in commands {
            let r = try CLI.run(command + ["--help"])
            let name = (["tinybench"] + command).joined(separator: " ")
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let paragraphs = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n")
            let last = paragraphs.last ?? ""
            #expect(last.hasPrefix("Examples:\n"), "\(name) --help ends with:\n\(last)")
            // Example lines start at column 3; continuation lines are indented further.
            let examples = last.split(separator: "\n").dropFirst().filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            #expect((2...3).contains(examples.count), "\(name): \(examples)")
            #expect(examples.contains { $0.hasPrefix("  " + (command.isEmpty ? "tinybench " : name)) } || command == ["run"],
                    "\(name): no example of the command itself in \(examples)")
            #expect(last.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(name): a wrapped example line")
        }
    }

    @Test func jsonPutsTheSummaryAloneOnStandardOutput() throws {
        let out = SessionFilesCommandTests.tempDir("json-summary")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["ad", "--mode", "accuracy", "--json", "--no-history", "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let printed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? NSDictionary
        let file = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? NSDictionary
        #expect(printed != nil && printed == file, "\(r.stdout)")
        let rows = printed?["rows"] as? [[String: Any]]
        #expect(rows?.first?["benchmark"] as? String == "ad01" && rows?.first?["quality"] is Double, "\(r.stdout)")
        #expect(r.stderr.contains("ad01: done") && r.stderr.contains("report: "), "\(r.stderr)")
    }

    @Test func quietPrintsOnlyTheSummary() throws {
        let out = SessionFilesCommandTests.tempDir("quiet")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["ad", "--mode", "accuracy", "--quiet", "--no-history", "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let summary = try String(contentsOf: out.appendingPathComponent("summary.txt"), encoding: .utf8)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == summary.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(r.stdout)")
        let quietJSON = try CLI.run(["ad", "--mode", "accuracy", "--quiet", "--json", "--no-history", "--dataset", HarnessData.demo.path,
                                     "--output", out.path, "--overwrite"])
        #expect(quietJSON.status == 0 && quietJSON.stderr.isEmpty, "\(quietJSON.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(quietJSON.stdout.utf8))) != nil, "\(quietJSON.stdout)")
    }

    @Test(arguments: [[String](), ["--json"], ["--quiet"]])
    func aFailedRunPrintsItsErrorOnce(_ extra: [String]) throws {
        let r = try CLI.run(["kws", "--port", "/dev/ttyNOPE7", "--no-history"] + extra)
        #expect(r.status == 1, "\(r.stderr)")
        let error = "serial port /dev/ttyNOPE7 does not exist"
        // With --json the summary on standard output holds the error as data; the message is printed once.
        let shown = extra == ["--json"] ? r.stderr : r.stdout + r.stderr
        #expect(shown.components(separatedBy: error).count == 2, "printed \(shown.components(separatedBy: error).count - 1) times:\n\(shown)")
        #expect(r.stderr.contains("error: " + error), "\(r.stderr)")
        if extra == ["--json"] {
            let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let row = (summary?["rows"] as? [[String: Any]])?.first
            #expect((row?["error"] as? String)?.contains(error) == true, "\(r.stdout)")
        }
    }
}
