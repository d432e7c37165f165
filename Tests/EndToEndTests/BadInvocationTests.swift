import Foundation
import Testing
import TestSupport

/// Bad values of every numeric option of every command, and outputs that
/// cannot be written: each is a usage error (exit 64) or an I/O error (exit 1)
/// in one line naming the option or the path, never a trap.
struct BadInvocationTests {
    /// One bad command line: its exit status and the words its error line must hold.
    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        let mentions: [String]
        var testDescription: String { arguments.joined(separator: " ") }

        /// A value the option's `validate()` refuses: its name and its range are said.
        static func range(_ arguments: [String], _ option: String) -> Case {
            Case(arguments: arguments, status: 64, mentions: [option, "must be between"])
        }

        /// A value the parser cannot read as the option's type.
        static func unreadable(_ arguments: [String], _ option: String) -> Case {
            Case(arguments: arguments, status: 64, mentions: [option, "is invalid"])
        }
    }

    /// A folder holding a regular file `afile` (an output path that is a file)
    /// and a model and input for the `model` and `firmware` commands.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-bad-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.appendingPathComponent("afile").path, contents: Data("not a folder".utf8))
        _ = FileManager.default.createFile(atPath: url.appendingPathComponent("input.bin").path, contents: Data(count: 490))
        return url
    }()
    static let model = HarnessData.demo.appendingPathComponent("models/kws01.tflite").path
    static var file: String { scratch.appendingPathComponent("afile").path }

    static let cases: [Case] = [
        .range(["kws", "--min-window-seconds", "nan"], "--min-window-seconds"),
        .range(["kws", "--min-window-seconds", "inf"], "--min-window-seconds"),
        .range(["kws", "--min-window-seconds", "1e9"], "--min-window-seconds"),
        .range(["kws", "--min-window-seconds=-5"], "--min-window-seconds"),
        .range(["kws", "--min-window-seconds", "0"], "--min-window-seconds"),
        .unreadable(["kws", "--min-window-seconds", "ten"], "--min-window-seconds"),
        .range(["kws", "--line-timeout", "nan"], "--line-timeout"),
        .range(["kws", "--line-timeout=-1"], "--line-timeout"),
        .range(["kws", "--line-timeout", "0"], "--line-timeout"),
        .range(["kws", "--line-timeout", "1e300"], "--line-timeout"),
        .range(["kws", "--infer-timeout=-inf"], "--infer-timeout"),
        .range(["kws", "--infer-timeout", "nan"], "--infer-timeout"),
        .range(["kws", "--infer-timeout", "90000"], "--infer-timeout"),
        .range(["kws", "--baud", "0"], "--baud"),
        .range(["kws", "--baud=-9600"], "--baud"),
        .range(["kws", "--baud", "49"], "--baud"),
        .range(["kws", "--baud", "20000001"], "--baud"),
        .unreadable(["kws", "--baud", "1e6"], "--baud"),
        .unreadable(["kws", "--baud", "99999999999999999999999"], "--baud"),
        .range(["kws", "--mode", "energy", "--emulated-lab", "--voltage", "nan"], "--voltage"),
        .range(["kws", "--voltage", "0"], "--voltage"),
        .range(["kws", "--voltage=-3"], "--voltage"),
        .range(["kws", "--voltage", "12"], "--voltage"),
        Case(arguments: ["kws", "--overwrite"], status: 64, mentions: ["--overwrite", "--output"]),
        .range(["model", "bench", model, "--iterations", "0"], "--iterations"),
        .range(["model", "bench", model, "--iterations=-5"], "--iterations"),
        .range(["model", "bench", model, "--iterations", "100000000"], "--iterations"),
        .range(["model", "bench", model, "--warmup=-1"], "--warmup"),
        .range(["model", "bench", model, "--warmup", "2000000"], "--warmup"),
        .range(["models", "fetch", "--timeout", "nan"], "--timeout"),
        .range(["models", "fetch", "--timeout", "0"], "--timeout"),
        .range(["models", "fetch", "--timeout=-1"], "--timeout"),
        .range(["models", "fetch", "--timeout", "1e7"], "--timeout"),
        .range(["firmware", "check", "--model", model, "--benchmark", "kws01", "--cases", "x", "--baud", "10"], "--baud"),
        // Usage errors found after parsing (combinations, files, the bench): still 64, not 1.
        Case(arguments: ["emulate", "--model", model, "--benchmark", "kws"], status: 64, mentions: ["--pty"]),
        Case(arguments: ["models", "fetch", "--only", "nothing"], status: 64, mentions: ["--only", "nothing"]),
        Case(arguments: ["models", "fetch", "--base-url", "mirror.local/tiny"], status: 64, mentions: ["--base-url", "not a URL"]),
        Case(arguments: ["kws", "--mode", "energy"], status: 64, mentions: ["energy mode needs --interface"]),
        Case(arguments: ["kws", "--emulated-lab"], status: 64, mentions: ["belong to --mode energy"]),
        Case(arguments: ["firmware", "check", "--model", model, "--benchmark", "kws01", "--cases", "x", "--port", "a", "--port", "b"],
             status: 64, mentions: ["give one DUT"]),
        Case(arguments: ["histroy"], status: 64, mentions: ["unknown command or benchmark 'histroy'"]),
        .range(["dut", "check", "--port", "/dev/null", "--baud", "10"], "--baud"),
        .range(["dut", "check", "--port", "/dev/null", "--baud=-9600"], "--baud"),
        .unreadable(["dut", "check", "--port", "/dev/null", "--baud", "fast"], "--baud"),
        Case(arguments: ["dut", "check"], status: 64, mentions: ["--port", "--qemu"]),
        Case(arguments: ["dut", "check", "--port", "/dev/tinybench-no-such-tty"], status: 1,
             mentions: ["/dev/tinybench-no-such-tty", "does not exist"]),
        Case(arguments: ["dut", "check", "--qemu", scratch.appendingPathComponent("no-such.elf").path], status: 1,
             mentions: ["no-such.elf"]),
        // I/O: the output is a file, or a missing parent cannot be created because a file is in its way.
        Case(arguments: ["kws", "--mode", "performance", "--output", file], status: 1,
             mentions: [file, "a file of that name exists"]),
        Case(arguments: ["kws", "--mode", "performance", "--output", file + "/sub/session"], status: 1,
             mentions: [file + "/sub/session", "Not a directory"]),
        Case(arguments: ["model", "run", model, "--input", scratch.appendingPathComponent("input.bin").path, "--output", file + "/out.bin"],
             status: 1, mentions: ["cannot write", file + "/out.bin", "Not a directory"]),
        Case(arguments: ["firmware", "generate", "--model", model, "--benchmark", "kws01", "--out", file], status: 1,
             mentions: [file, "a file of that name exists"]),
    ]

    @Test(arguments: cases) func badInvocation(_ c: Case) throws {
        let r = try CLI.run(c.arguments)
        #expect(r.status == c.status, "\(r.stderr)")
        Self.expectOneErrorLine(r, mentioning: c.mentions)
    }

    /// The error is one line: for a usage error (64) ArgumentParser's
    /// `Error: ...` followed only by its usage hint (`Help:`, `Usage:`, `See
    /// ...` lines); for a failure (1) `error: ...` and nothing else. Never a
    /// trap's report or a Foundation error domain.
    static func expectOneErrorLine(_ r: CLI.Result, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        expectNoTrap(r, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let first = lines.first ?? ""
        if r.status == 64 {
            #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
            let hint = lines.dropFirst().allSatisfy { $0.hasPrefix("Help: ") || $0.hasPrefix("Usage: ") || $0.hasPrefix("  See '") }
            #expect(hint, "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
        } else {
            #expect(lines.count == 1 && first.hasPrefix("error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        }
        for w in words { #expect(first.contains(w), "'\(first)' lacks '\(w)'", sourceLocation: sourceLocation) }
    }

    static func expectNoTrap(_ r: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        for bad in ["Fatal error", "Swift runtime failure", "Backtrac", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "Code="] {
            #expect(!r.stderr.contains(bad), "\(r.stderr)", sourceLocation: sourceLocation)
        }
    }
}
