import Foundation

/// A session folder read back (`<session>/<kws|vww|ad|ic|ic2>/<mode>/results.json`):
/// its summary table, and its files laid out as an MLPerf Tiny submission.
public struct SessionFolder {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// The modes present for `benchmark`, in run order.
    public func modes(_ benchmark: Benchmark) -> [Mode] {
        Mode.allCases.filter {
            FileManager.default.fileExists(atPath: folder(benchmark, $0).appendingPathComponent("results.json").path)
        }
    }

    func folder(_ benchmark: Benchmark, _ mode: Mode) -> URL {
        url.appendingPathComponent(benchmark.shortName).appendingPathComponent(mode.rawValue)
    }

    /// One row per benchmark found, from every mode's results.json.
    public func summary() throws -> RunSummary {
        try read().summary
    }

    /// The sww result folders (`sww/<mode>/` with a results.txt), written by `tinybench sww`.
    public var streamingResultFolders: [URL] {
        Mode.allCases.map { WakewordResults.folder(in: url, mode: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("results.txt").path) }
    }

    /// The summary and every manifest found.
    private func read() throws -> (summary: RunSummary, manifests: [SessionManifest]) {
        var summary = RunSummary(output: url.path)
        var all = [SessionManifest]()
        for benchmark in Benchmark.all {
            let modes = modes(benchmark)
            guard !modes.isEmpty else { continue }
            var manifests = [SessionManifest]()
            var row = RunSummary.Row(benchmark: benchmark, device: "", emulated: false)
            for mode in modes {
                let stored = try result(benchmark, mode)
                row.add(stored.result)
                if stored.interrupted { row.error = "\(mode.rawValue) mode: interrupted" }
                manifests.append(stored.manifest)
            }
            row.describe(manifests)
            summary.rows.append(row)
            all += manifests
        }
        guard !summary.rows.isEmpty || !streamingResultFolders.isEmpty else { throw SessionFolderError.empty(url.path) }
        return (summary, all)
    }

    /// Every mode's result with its manifest, benchmark by benchmark in run order (interrupted ones included).
    public func results() throws -> [(benchmark: Benchmark, result: Session.ModeResult, manifest: SessionManifest, interrupted: Bool)] {
        try Benchmark.all.flatMap { benchmark in
            try modes(benchmark).map { mode in
                let stored = try result(benchmark, mode)
                return (benchmark, stored.result, stored.manifest, stored.interrupted)
            }
        }
    }

    /// A mode's result as its results.json has it, when the mode ran to its end (not interrupted).
    public func completedResult(_ benchmark: Benchmark, _ mode: Mode) throws -> (result: Session.ModeResult, manifest: SessionManifest)? {
        guard FileManager.default.fileExists(atPath: folder(benchmark, mode).appendingPathComponent("results.json").path) else { return nil }
        let stored = try result(benchmark, mode)
        return stored.interrupted ? nil : (stored.result, stored.manifest)
    }

    /// The samples of a completed accuracy run of `benchmark`, or nil when there is none.
    public func accuracySamples(_ benchmark: Benchmark) throws -> [AccuracySample]? {
        let file = folder(benchmark, .accuracy).appendingPathComponent("results.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            let report = try JSONDecoder().decode(AccuracyReport.self, from: try FileIO.read(file))
            return report.interrupted == true ? nil : report.samples
        } catch {
            throw SessionFolderError.unreadable(file.path, "\(error)")
        }
    }

    /// A mode's results.json read back.
    private func result(_ benchmark: Benchmark, _ mode: Mode) throws -> (result: Session.ModeResult, manifest: SessionManifest, interrupted: Bool) {
        let folder = folder(benchmark, mode)
        let decoder = JSONDecoder()
        var result = Session.ModeResult(mode: mode, folder: folder)
        do {
            let data = try FileIO.read(folder.appendingPathComponent("results.json"))
            switch mode {
            case .performance:
                let r = try decoder.decode(PerformanceReport.self, from: data)
                (result.throughput, result.latencyMilliseconds, result.compliant) = (r.medianThroughput, r.latencyMilliseconds, r.compliant)
                return (result, r.manifest, r.interrupted == true)
            case .accuracy:
                // The samples are most of the file and the headline needs none of them.
                let r = try decoder.decode(AccuracyHeadline.self, from: TopLevelArray.emptied("samples", in: data) ?? data)
                result.top1 = r.top1
                result.auc = r.auc
                switch benchmark.metric {
                case .top1(let t): result.targetMet = r.top1.map { $0 >= t }
                case .auc(let t): result.targetMet = r.auc.map { $0 >= t }
                }
                return (result, r.manifest, r.interrupted == true)
            case .energy:
                let r = try decoder.decode(EnergyReport.self, from: data)
                result.microjoulesPerInference = r.medianMicrojoulesPerInference
                result.averagePowerWatts = r.medianPowerWatts
                result.problems = r.problems
                return (result, r.manifest, r.interrupted == true)
            }
        } catch {
            throw SessionFolderError.unreadable(folder.appendingPathComponent("results.json").path, "\(error)")
        }
    }

    /// Copies each mode's log.txt, results.txt and results.json (and, for
    /// energy, each window's JSON and plot) to
    /// `<root>/<division>/<org>/results/<system>/<kws|vww|ad|ic|ic2>/<mode>/`,
    /// the layout the MLCommons submission checker reads. Nothing else: the
    /// wire trace (trace.txt.gz) and the raw monitor samples
    /// (window-N.samples.f32) are megabytes the checker does not read.
    /// Returns the folders written.
    @discardableResult
    public func exportSubmission(root: URL, division: String, organization: String, system: String) throws -> [URL] {
        var written = [URL]()
        for benchmark in Benchmark.all {
            for mode in modes(benchmark) {
                let source = folder(benchmark, mode)
                let target = root.appendingPathComponent(division).appendingPathComponent(organization)
                    .appendingPathComponent("results").appendingPathComponent(system)
                    .appendingPathComponent(benchmark.shortName).appendingPathComponent(mode.rawValue)
                try copyResultFiles(from: source, to: target) {
                    ["log.txt", "results.txt", "results.json"].contains($0) || ($0.hasPrefix("window-") && ($0.hasSuffix(".json") || $0.hasSuffix(".svg")))
                }
                written.append(target)
            }
        }
        // The streaming wakeword run (`tinybench sww`) has no Benchmark entry: its folders are copied as they are.
        for source in streamingResultFolders {
            let target = root.appendingPathComponent(division).appendingPathComponent(organization)
                .appendingPathComponent("results").appendingPathComponent(system).appendingPathComponent("sww").appendingPathComponent(source.lastPathComponent)
            try copyResultFiles(from: source, to: target) { ["log.txt", "results.txt", "results.json", "energy_inf_000.png"].contains($0) }
            written.append(target)
        }
        try writeSystemDescription(root.appendingPathComponent(division).appendingPathComponent(organization)
            .appendingPathComponent("systems").appendingPathComponent("\(system).json"))
        return written
    }

    /// Copies the files of `source` that `include` names into `target` (created), replacing older copies.
    private func copyResultFiles(from source: URL, to target: URL, include: (String) -> Bool) throws {
        let fm = FileManager.default
        try FileIO.createDirectory(target)
        let files: [String]
        do {
            files = try fm.contentsOfDirectory(atPath: source.path).filter(include)
        } catch {
            throw FileError("read the folder", source.path, error)
        }
        for file in files.sorted() {
            let destination = target.appendingPathComponent(file)
            try? fm.removeItem(at: destination)
            do {
                try fm.copyItem(at: source.appendingPathComponent(file), to: destination)
            } catch {
                throw FileError("copy \(source.appendingPathComponent(file).path) to", destination.path, error)
            }
        }
    }

    /// `systems/<system>.json` with the fields the checker reads, filled from
    /// the devices' descriptions where they say (a modelled device says so in
    /// its fields); an existing file (edited by the submitter) is left alone.
    private func writeSystemDescription(_ url: URL) throws {
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        let devices = ((try? read())?.manifests ?? []).map(\.device)
        let modelled = devices.filter { $0.timing.isModelled }
        let fill = "to be filled in by the submitter"
        /// The distinct values of one field over the devices, or the placeholder.
        func field(_ value: (DeviceDescription) -> String?) -> String {
            var values = [String]()
            for v in devices.compactMap(value) where !values.contains(v) { values.append(v) }
            return values.isEmpty ? fill : values.joined(separator: "; ")
        }
        let fields: [String: String] = [
            "Status": modelled.isEmpty ? "available" : "rdi",
            "Board Name": field(\.board),
            "Processor(s) Name": field(\.processor),
            "Processor(s) Frequencies": field { $0.clockHz.map { "\(Int($0 / 1e6)) MHz" } },
            "Processor memory type and capacity": field(\.memory),
            "Accelerator": "none",
            "Accelerator(s) Frequencies": "none",
            "Accelerator memory type and capacity": "none",
            "Hardware Notes": modelled.isEmpty ? fill
                : "not a measurement on a board: " + Set(modelled.map(\.summary)).sorted().joined(separator: "; "),
            "Inference Framework": field(\.framework),
            "Software Libraries": fill,
            "Software Notes": "measured with \(TinyBenchInfo.version.isEmpty ? "tinybench" : "tinybench \(TinyBenchInfo.version)")",
        ]
        try FileIO.createDirectory(url.deletingLastPathComponent())
        let encoder = JSONOutput.encoder()
        try FileIO.write(try encoder.encode(fields), to: url)
    }
}

/// Why a session folder cannot be summarised.
public enum SessionFolderError: Error, CustomStringConvertible {
    case empty(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .empty(let p): "\(p) holds no results (expected <kws|vww|ad|ic|ic2>/<mode>/results.json or sww/<mode>/results.txt)"
        case let .unreadable(p, why): "cannot read \(p): \(why)"
        }
    }
}
