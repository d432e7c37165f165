import ArgumentParser
import Foundation
import TinyBench

/// `tinybench models list|fetch`: the MLPerf Tiny reference models.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "The MLPerf Tiny reference models: list them, or download and verify them.",
        discussion: """
            Examples:
              tinybench models list
              tinybench models fetch --only kws,ic2 --dest models
            """,
        subcommands: [List.self, Fetch.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Print the reference model catalogue (benchmark, MD5, bytes, path).",
            discussion: """
                Examples:
                  tinybench models list
                  tinybench models list | grep ic02
                """)
        func run() {
            for m in ReferenceModel.all { print("\(m.benchmark)  \(m.md5)  \(m.bytes)  \(m.path)") }
            print("base URL: \(ReferenceModel.defaultBaseURL)")
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Download the reference models to <dest>/<benchmark>.tflite and verify their MD5.",
            discussion: """
                A file already there with the right MD5 is kept. A download with a wrong size or MD5 is not saved.

                Examples:
                  tinybench models fetch
                  tinybench models fetch --only kws,vww --dest models
                  tinybench models fetch --base-url http://mirror.local/tiny/ --timeout 20
                """)

        @Option(help: "Folder to save the models in.") var dest = "models"
        @Option(help: "Where the repository's files are served (a mirror, or a local server).") var baseURL = ReferenceModel.defaultBaseURL
        @Option(help: "Comma-separated benchmarks (default: all six).") var only: String?
        @Option(help: "Seconds to wait for a server before giving up, 0.001 to 86400.") var timeout = 60.0

        func validate() throws {
            try require("--timeout", timeout, in: 0.001...oneDay, "seconds")
            guard base != nil else { throw ValidationError("--base-url '\(baseURL)' is not a URL") }
            guard !models.isEmpty else {
                throw ValidationError("--only '\(only ?? "")' names no reference model (kws01, vww01, ad01, ic01, ic02, sww01)")
            }
        }

        /// The folder URL the models are fetched from (ending in `/`), if `--base-url` is one.
        private var base: URL? {
            URL(string: baseURL.hasSuffix("/") ? baseURL : baseURL + "/").flatMap { $0.scheme == nil ? nil : $0 }
        }

        /// The reference models `--only` asks for (all by default).
        private var models: [ReferenceModel] {
            // kws, kws01, ic2, ic02 ... → benchmark ids (`ic` is ic01 only).
            let wanted = only.map { Set($0.split(separator: ",").map { Benchmark.named(String($0))?.id ?? String($0) }) }
            return ReferenceModel.all.filter { wanted?.contains($0.benchmark) ?? true }
        }

        func run() throws {
            try reportingErrors {
                guard let base else { throw ValidationError("--base-url '\(baseURL)' is not a URL") }
                var fetcher = ModelFetcher(baseURL: base, destination: URL(fileURLWithPath: dest))
                fetcher.timeoutSeconds = timeout
                for model in models {
                    Console.error("fetching \(model.benchmark) (\(model.bytes) bytes)...\n")
                    switch try fetcher.fetch(model) {
                    case .downloaded(let path): print("\(model.benchmark): downloaded, MD5 \(model.md5) verified: \(path)")
                    case .alreadyPresent(let path): print("\(model.benchmark): already present with MD5 \(model.md5): \(path)")
                    }
                }
            }
        }
    }
}
