import Foundation

/// Where the bundled demo data lives: `Datasets/demo/` in the source tree
/// (`<benchmark>/` folders in the EEMBC layout and `models/<benchmark>.tflite`),
/// the embedded default of `tinybench` when no dataset or model is given.
public enum DemoData {
    /// `$TINYBENCH_DEMO`, else `Datasets/demo` under the working directory or
    /// under any parent of the executable's folder (so a binary in
    /// `.build/release/` finds the checkout it was built from, also when it is
    /// started through a symbolic link on PATH).
    public static func locate(executable: URL? = executableURL) -> URL? {
        if let env = ProcessInfo.processInfo.environment["TINYBENCH_DEMO"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return candidates(executable: executable).first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("models").path)
        }
    }

    /// Every `Datasets/demo` folder ``locate(executable:)`` looks at, in order.
    public static func candidates(executable: URL? = executableURL) -> [URL] {
        var bases = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if var dir = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
            while dir.path != "/" && !dir.path.isEmpty {
                bases.append(dir)
                dir.deleteLastPathComponent()
            }
        }
        return bases.map { $0.appendingPathComponent("Datasets/demo") }
    }

    /// Where the demo data was looked for, for an error message.
    public static func searchDescription(executable: URL? = executableURL) -> String {
        let env = ProcessInfo.processInfo.environment["TINYBENCH_DEMO"] ?? ""
        let places = candidates(executable: executable).map(\.path)
        return (env.isEmpty ? "TINYBENCH_DEMO is not set; " : "") + "looked in " + places.joined(separator: ", ")
    }

    /// The running executable's real path: `/proc/self/exe` on Linux (argv[0]
    /// may be a bare name found on PATH, or a symbolic link), the main
    /// bundle's executable elsewhere.
    public static var executableURL: URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL
    }

    /// The demo model of `benchmark` under a demo root.
    public static func model(_ benchmark: Benchmark, in root: URL) -> URL {
        root.appendingPathComponent("models/\(benchmark.id).tflite")
    }
}
