import Foundation

/// Where the bundled demo data lives: `Datasets/demo/` in the source tree
/// (`<benchmark>/` folders in the EEMBC layout and `models/<benchmark>.tflite`),
/// the embedded default of `tinybench` when no dataset or model is given.
public enum DemoData {
    /// `$TINYBENCH_DEMO`, else `Datasets/demo` under the working directory or
    /// under any parent of the executable's folder (so a binary in
    /// `.build/release/` finds the checkout it was built from).
    public static func locate(executable: String = CommandLine.arguments.first ?? "") -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["TINYBENCH_DEMO"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            candidates.append(dir)
            dir.deleteLastPathComponent()
        }
        for base in candidates {
            let demo = base.appendingPathComponent("Datasets/demo")
            if fm.fileExists(atPath: demo.appendingPathComponent("models").path) { return demo }
        }
        return nil
    }

    /// The demo model of `benchmark` under a demo root.
    public static func model(_ benchmark: Benchmark, in root: URL) -> URL {
        root.appendingPathComponent("models/\(benchmark.id).tflite")
    }
}
