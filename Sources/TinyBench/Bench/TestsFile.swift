import Foundation
import Yams

/// One step of a runner test script.
public indirect enum TestStep: Sendable, Equatable {
    /// `loop N:` with nested steps; `loop:` (count nil) runs once per file
    /// of the dataset, as does a negative count in the runner.
    case loop(count: Int?, steps: [TestStep])
    /// `download [index]`: load the next dataset file (or the file at index) into the DUT.
    case download(index: Int?)
    /// `infer N W`: N timed inferences after W warm-ups (the runner's defaults 1 and 0).
    case infer(inferences: Int, warmups: Int)
    /// `reset T`: (re)arm the runner's watchdog for T seconds.
    case reset(seconds: Double)
    /// `stream [index]`: the interface board plays a WAV to the DUT (sww01).
    case stream(index: Int?)
}

/// One benchmark of a tests file, as written.
public struct TestScript: Sendable, Equatable {
    /// The key, which is the model the DUT reports (`m-model-[kws01]`).
    public var benchmarkID: String
    public var name: String?
    /// `model:`: the folder of the dataset under the dataset path (ic02 uses `ic01`).
    public var model: String
    /// `truth_file:`: the labels file in that folder.
    public var truthFile: String?
    public var steps: [TestStep]
    /// Line of the benchmark's key.
    public var line: Int?
}

/// What a benchmark's script asks for, in the terms a session runs by.
public struct TestPlan: Sendable, Equatable {
    public var benchmarkID: String
    public var name: String?
    /// Dataset folder name (the script's `model:`).
    public var datasetFolder: String
    public var truthFile: String?
    /// How many times the steps run: nil for once per dataset file (`loop:`
    /// without a count); 1 for a script without a loop.
    public var loopCount: Int?
    /// Timed inferences and warm-ups of the `infer` step; nil when the script streams instead.
    public var inferences: Int?
    public var warmups: Int?
    /// Whether the script streams audio through the interface board (sww01) instead of inferring.
    public var streams: Bool
    /// The `reset` watchdog, in seconds, if the script arms one.
    public var watchdogSeconds: Double?
}

/// An MLCommons Tiny runner tests file (tests_performance.yaml,
/// tests_accuracy.yaml, tests_energy.yaml): per benchmark id, the dataset
/// and the script of steps the runner executes.
///
/// Every step must be one the runner knows (an unknown step is an error
/// naming it, where the runner would fail only when running it); keys the
/// runner does not read are ignored and listed in ``warnings``.
public struct TestsFile: Sendable, Equatable {
    public var path: String
    /// The benchmarks in file order.
    public var scripts: [TestScript]
    /// Keys that have no effect, one sentence each with file and line.
    public var warnings: [String]

    public init(contentsOf path: String) throws(RunnerFileError) {
        try self.init(yaml: try RunnerYAML.read(path: path), path: path)
    }

    /// Parses tests-file text; `path` names it in errors.
    public init(yaml: String, path: String) throws(RunnerFileError) {
        self.path = path
        guard let root = try RunnerYAML.root(yaml, file: path), !RunnerYAML.isNull(root) else {
            throw RunnerFileError(file: path, message: "is empty: expected benchmarks (kws01: {model: ..., script: [...]})")
        }
        guard let mapping = root.mapping else {
            throw RunnerFileError(file: path, line: root.mark?.line, message: "expected a mapping of benchmark ids (kws01:, ic01:, ...), found \(RunnerYAML.show(root))")
        }
        var scripts = [TestScript]()
        var warnings = [String]()
        for (id, idNode, body) in RunnerYAML.pairs(mapping) {
            let parser = ScriptParser(file: path, id: id)
            scripts.append(try parser.script(body, line: idNode.mark?.line, warnings: &warnings))
        }
        self.scripts = scripts
        self.warnings = warnings
    }

    /// The script for a benchmark id (`kws01`), as the runner picks it by the DUT's model.
    public func script(for benchmarkID: String) -> TestScript? {
        scripts.first { $0.benchmarkID == benchmarkID }
    }

    /// The plan of a benchmark's script. Scripts of the runner's shape are
    /// understood: at most one loop (not nested) holding `download` and one
    /// `infer`, or one `stream`, and optionally `reset`.
    public func plan(for benchmarkID: String) throws(RunnerFileError) -> TestPlan {
        guard let script = script(for: benchmarkID) else {
            throw RunnerFileError(file: path, message: "has no script for \(benchmarkID) (it has: \(scripts.map(\.benchmarkID).joined(separator: ", ")))")
        }
        func unsupported(_ why: String) -> RunnerFileError {
            RunnerFileError(file: path, line: script.line, entry: benchmarkID, message: "script not supported: \(why)")
        }
        var loopCount: Int? = 1
        var body = script.steps
        let loops = body.compactMap { if case let .loop(count, steps) = $0 { (count, steps) } else { nil } }
        if let (count, steps) = loops.first {
            guard loops.count == 1 else { throw unsupported("more than one loop") }
            loopCount = count
            body = body.filter { if case .loop = $0 { false } else { true } } + steps
        }
        var plan = TestPlan(benchmarkID: benchmarkID, name: script.name, datasetFolder: script.model, truthFile: script.truthFile,
                            loopCount: loopCount, inferences: nil, warmups: nil, streams: false, watchdogSeconds: nil)
        var downloads = false
        for step in body {
            switch step {
            case .loop: throw unsupported("a loop inside a loop")
            case .download(let index):
                guard index == nil else { throw unsupported("download of a fixed file (download \(index!))") }
                guard !downloads else { throw unsupported("more than one download per iteration") }
                downloads = true
            case let .infer(n, w):
                guard plan.inferences == nil else { throw unsupported("more than one infer per iteration") }
                plan.inferences = n
                plan.warmups = w
            case .reset(let seconds):
                plan.watchdogSeconds = seconds
            case .stream(let index):
                guard index == nil else { throw unsupported("stream of a fixed file (stream \(index!))") }
                guard !plan.streams else { throw unsupported("more than one stream per iteration") }
                plan.streams = true
            }
        }
        if plan.streams, plan.inferences != nil { throw unsupported("both stream and infer") }
        if !plan.streams, plan.inferences == nil { throw unsupported("neither infer nor stream: nothing is measured") }
        if plan.inferences != nil, !downloads { throw unsupported("infer without download: nothing is loaded to infer on") }
        return plan
    }
}

/// Reads one benchmark's mapping and its steps.
private struct ScriptParser {
    let file: String
    let id: String

    private func error(_ message: String, at node: Node) -> RunnerFileError {
        RunnerFileError(file: file, line: node.mark?.line, entry: id, message: message)
    }

    func script(_ body: Node, line: Int?, warnings: inout [String]) throws(RunnerFileError) -> TestScript {
        guard let mapping = body.mapping else {
            throw error("expected model:, truth_file: and script:, found \(RunnerYAML.show(body))", at: body)
        }
        var name: String?, model: String?, truth: String?, steps: [TestStep]?
        for (key, keyNode, value) in RunnerYAML.pairs(mapping) {
            switch key {
            case "name": name = try text(value, key: key)
            case "model": model = try text(value, key: key)
            case "truth_file": truth = try text(value, key: key)
            case "script":
                guard let list = value.sequence else { throw error("script must be a list of steps, not \(RunnerYAML.show(value))", at: value) }
                steps = try self.steps(list)
            default:
                warnings.append(error("unknown key '\(key)' ignored (the runner ignores it too)", at: keyNode).description)
            }
        }
        guard let model else { throw error("has no model: (the dataset folder)", at: body) }
        guard let steps else { throw error("has no script:", at: body) }
        return TestScript(benchmarkID: id, name: name, model: model, truthFile: truth, steps: steps, line: line)
    }

    private func text(_ value: Node, key: String) throws(RunnerFileError) -> String {
        guard let s = value.scalar, !RunnerYAML.isNull(value), !s.string.isEmpty else {
            throw error("\(key) must be text, not \(RunnerYAML.show(value))", at: value)
        }
        return s.string
    }

    /// A list item is a step (`infer 1 0`) or a one-key mapping whose key is
    /// `loop` or `loop N` and whose value is the nested list of steps.
    private func steps(_ list: Node.Sequence) throws(RunnerFileError) -> [TestStep] {
        var steps = [TestStep]()
        for item in list {
            if let mapping = item.mapping {
                guard mapping.count == 1, let (key, keyNode, nested) = RunnerYAML.pairs(mapping).first else {
                    throw error("a step with nested steps must be one loop: key, found \(mapping.count) keys", at: item)
                }
                let (command, args) = try words(key, at: keyNode)
                guard command == "loop" else { throw error("only loop takes nested steps, not '\(key)'", at: keyNode) }
                guard let nestedList = nested.sequence, !nestedList.isEmpty else {
                    throw error("'\(key)' must be followed by a list of steps", at: nested)
                }
                guard args.count <= 1 else { throw error("'\(key)': loop takes one count", at: keyNode) }
                let count = try args.first.map { arg throws(RunnerFileError) in try number(arg, in: key, at: keyNode, minimum: nil) }
                if count == 0 { throw error("'\(key)' runs its steps zero times", at: keyNode) }
                // A negative count means the whole dataset to the runner, like no count.
                steps.append(.loop(count: count.flatMap { $0 < 0 ? nil : $0 }, steps: try self.steps(nestedList)))
            } else if let scalar = item.scalar, !RunnerYAML.isNull(item) {
                steps.append(try step(scalar.string, at: item))
            } else {
                throw error("a step must be text like 'infer 1 0', not \(RunnerYAML.show(item))", at: item)
            }
        }
        return steps
    }

    private func step(_ text: String, at node: Node) throws(RunnerFileError) -> TestStep {
        let (command, args) = try words(text, at: node)
        func arity(_ most: Int) throws(RunnerFileError) {
            guard args.count <= most else { throw error("'\(text)': \(command) takes at most \(most) argument\(most == 1 ? "" : "s")", at: node) }
        }
        switch command {
        case "download":
            try arity(1)
            return .download(index: try args.first.map { arg throws(RunnerFileError) in try number(arg, in: text, at: node, minimum: 0) })
        case "infer":
            // The runner reads a third argument (skip_time) and never uses it.
            try arity(3)
            let n = try args.first.map { arg throws(RunnerFileError) in try number(arg, in: text, at: node, minimum: 1) } ?? 1
            let w = try args.dropFirst().first.map { arg throws(RunnerFileError) in try number(arg, in: text, at: node, minimum: 0) } ?? 0
            if args.count == 3, Double(args[2]) == nil { throw error("'\(text)': skip time '\(args[2])' is not a number", at: node) }
            return .infer(inferences: n, warmups: w)
        case "reset":
            try arity(1)
            guard let arg = args.first, let seconds = Double(arg), seconds > 0, seconds.isFinite else {
                throw error("'\(text)': reset needs a watchdog time in seconds", at: node)
            }
            return .reset(seconds: seconds)
        case "stream":
            try arity(1)
            return .stream(index: try args.first.map { arg throws(RunnerFileError) in try number(arg, in: text, at: node, minimum: 0) })
        case "loop":
            throw error("'\(text)' needs its steps as a nested list (- \(text):\\n    - download ...)", at: node)
        default:
            throw error("unknown step '\(text)' (the runner knows loop, download, infer, reset, stream)", at: node)
        }
    }

    private func words(_ text: String, at node: Node) throws(RunnerFileError) -> (String, [String]) {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let command = words.first else { throw error("empty step", at: node) }
        return (command, Array(words.dropFirst()))
    }

    private func number(_ word: String, in text: String, at node: Node, minimum: Int?) throws(RunnerFileError) -> Int {
        guard let n = Int(word) else { throw error("'\(text)': '\(word)' is not a whole number", at: node) }
        if let minimum, n < minimum { throw error("'\(text)': \(n) is below \(minimum)", at: node) }
        return n
    }
}
