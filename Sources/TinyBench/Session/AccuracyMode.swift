import Foundation

/// One accuracy sample: a file, its label, what the DUT answered.
public struct AccuracySample: Sendable, Codable, Equatable {
    public var file: String
    public var label: Int
    /// Classifiers: argmax of the results. ad01: nil.
    public var predicted: Int?
    /// Classifiers: the result vector. ad01: the window scores.
    public var results: [Double]
    /// ad01: the file's score, the mean of its window scores.
    public var score: Double?
}

/// results.json of an accuracy run.
struct AccuracyReport: Codable {
    var manifest: SessionManifest
    var settings: SessionSettings
    var samples: [AccuracySample]
    var top1: Double?
    var auc: Double?
    var classification: ClassificationReport?
    /// What the input transfers put on the link (nil in older sessions).
    var link: LinkUsage?
    /// True when a stop request ended the run early: `samples` holds those that completed (nil in older sessions).
    var interrupted: Bool?
}

/// results.json of an accuracy run without its samples, for summaries:
/// decoding the samples is most of the work of reading the file.
struct AccuracyHeadline: Decodable {
    var manifest: SessionManifest
    var top1: Double?
    var auc: Double?
    var interrupted: Bool?
}

/// A session on another DUT that takes part in an accuracy run, with what its DUT printed at boot.
public struct AccuracyPeer {
    public var session: Session
    public var bootLines: [String]

    public init(session: Session, bootLines: [String]) {
        self.session = session
        self.bootLines = bootLines
    }
}

extension Session {
    /// Accuracy mode: every file of the dataset, `infer 1 0` per window.
    /// With `peers` (sessions on identical DUTs: same name, profile and
    /// model) the files are shared out, each DUT taking the next file when it
    /// is free; the results are merged in dataset order, so they are the same
    /// as one DUT's.
    public func accuracy(bootLines: [String], peers: [AccuracyPeer] = []) throws -> ModeResult {
        let record = try openRecord(.accuracy)
        // A line per window: written with the sample it belongs to.
        record.log.holdsLinesUntilCheck = true
        let sessions = [self] + peers.map(\.session)
        if !peers.isEmpty {
            for (k, session) in sessions.enumerated() {
                session.client.log = { record.log.write("[dut \(k + 1)] \($0)") }
                if let trace = record.trace { session.client.wire = { trace.record($0, $1, label: "[dut \(k + 1)] ") } }
            }
        }
        defer {
            for peer in peers {
                peer.session.client.log = nil
                peer.session.client.wire = nil
            }
            closeRecord(record)
        }
        let total = min(settings.sampleLimit ?? dataset.entries.count, dataset.entries.count)
        let queue = SampleQueue(total: total)
        // Resuming: the samples that completed are kept, the others inferred.
        let earlier = Dictionary(record.previous(AccuracySample.self).map { ($0.file, $0) }, uniquingKeysWith: { first, _ in first })
        for i in 0..<total { if let sample = earlier[dataset.entries[i].file] { queue.keep(i, sample) } }
        return try stoppable {
            let identity = try begin(record, bootLines: bootLines)
            for peer in peers {
                let other = try peer.session.identifyAndCheck(bootLines: peer.bootLines, log: record.log)
                guard other.name == identity.name, other.profile == identity.profile, other.model == identity.model else {
                    throw SessionError.differentDUTs("\(manifest.port) is '\(identity.name)' (\(identity.profile), \(identity.model)), \(peer.session.manifest.port) is '\(other.name)' (\(other.profile), \(other.model))")
                }
            }
            if !peers.isEmpty { manifest.accuracyPeers = peers.map(\.session.manifest.port) }
            let workers = sessions.map { session in
                { queue.drain { i in
                    let sample = try session.inferSample(i)
                    try record.save(sample)
                    return sample
                } progress: { done in self.progress?(done, total, "accuracy \(done)/\(total)") } }
            }
            runConcurrently(workers)
            if let failure = queue.failure { throw failure }
            // Without a failure every file has its sample.
            let samples = queue.samples.compactMap { $0 }
            progress?(total, total, "accuracy done")
            return try accuracyReport(samples, link: linkUsage(peers), record: record)
        } interrupted: { signal in
            let samples = queue.samples.compactMap { $0 }
            try record.writeResults([interruptedLine(.accuracy, signal: signal, completed: samples.count, of: total, "samples")])
            try record.writeJSON(AccuracyReport(manifest: manifest, settings: settings, samples: samples, top1: nil, auc: nil,
                                                classification: nil, link: linkUsage(peers), interrupted: true).prettyJSON())
        }
    }

    /// Loads and infers every window of file `i` on this session's DUT.
    func inferSample(_ i: Int) throws -> AccuracySample {
        let entry = dataset.entries[i]
        let bytes = try dataset.sample(i)
        var windowResults = [[Double]]()
        for w in 0..<benchmark.windowsPerFile {
            let window = Array(bytes[benchmark.window(w)])
            let reply = try withRetries("sample \(entry.file) window \(w)") { () throws -> InferenceReply in
                try loggedAsOneLine {
                    try loadChecked(window)
                    let reply = try client.infer(1, warmup: 0)
                    if settings.verifyTransfers {
                        let again = try client.results()
                        guard again == reply.results else {
                            throw DUTError.unexpected(command: "results", "two readings of the results differ")
                        }
                    }
                    return reply
                }
            }
            windowResults.append(reply.results)
        }
        switch benchmark.metric {
        case .auc:
            let scores = windowResults.map { $0.first ?? .nan }
            return AccuracySample(file: entry.file, label: entry.label, predicted: nil, results: scores,
                                  score: scores.reduce(0, +) / Double(scores.count))
        case .top1:
            let r = windowResults[0]
            guard r.count == benchmark.classes else {
                throw SessionError.badResults(entry.file, "\(r.count) values for \(benchmark.classes) classes")
            }
            return AccuracySample(file: entry.file, label: entry.label, predicted: ClassificationReport.argmax(r), results: r, score: nil)
        }
    }

    /// Runs one accuracy window with the client's log lines held back. An
    /// accuracy run repeats one exchange for every window (6,272 times for 32
    /// AD files), so a window that goes by the script is logged as one line:
    /// each command followed by the replies that carry information, e.g.
    /// `> load 2560 bytes in 68 db commands, read back: identical; > infer 1 0% < m-results-[13.744]; > results% < m-results-[13.744]`.
    /// Left out are the replies that only pace the dialogue (``accuracyRoutine``).
    /// A window that fails has every line logged as it came, then the error.
    private func loggedAsOneLine<T>(_ body: () throws -> T) throws -> T {
        let out = client.log
        var held = [String]()
        client.log = { held.append($0) }
        defer { client.log = out }
        do {
            let value = try body()
            var line = ""
            for l in held where !Self.isAccuracyRoutine(l) {
                line += line.isEmpty ? l : (l.hasPrefix("> ") ? "; " : " ") + l
            }
            out?(line)
            return value
        } catch {
            held.forEach { out?($0) }
            throw error
        }
    }

    /// Replies an accuracy window's log line leaves out (a trailing `-`
    /// matches any ending): `m-ready` ends every reply, infer's warm-up and
    /// start/done markers only pace it, and accuracy does not use the
    /// `m-lap-us` timestamps (performance logs keep every one).
    static let accuracyRoutine = ["< m-ready", "< m-warmup-start-", "< m-warmup-done", "< m-infer-start-", "< m-infer-done", "< m-lap-us-"]
    private static let routineLines = Set(accuracyRoutine.filter { !$0.hasSuffix("-") })
    private static let routinePrefixes = accuracyRoutine.filter { $0.hasSuffix("-") }

    /// Whether an accuracy window's log line leaves `line` out (``accuracyRoutine``).
    static func isAccuracyRoutine(_ line: String) -> Bool {
        routineLines.contains(line) || routinePrefixes.contains { line.hasPrefix($0) }
    }

    /// The link usage of this run's DUTs together.
    private func linkUsage(_ peers: [AccuracyPeer]) -> LinkUsage {
        peers.reduce(client.linkUsage) { $0 + $1.session.client.linkUsage }
    }

    private func accuracyReport(_ samples: [AccuracySample], link: LinkUsage, record: ModeRecord) throws -> ModeResult {
        let name = benchmark.shortName
        var lines = [String]()
        var result = ModeResult(mode: .accuracy, folder: record.folder)
        var report = AccuracyReport(manifest: manifest, settings: settings, samples: samples, top1: nil, auc: nil, classification: nil, link: link)
        switch benchmark.metric {
        case .top1(let target):
            let c = ClassificationReport(classes: benchmark.classes, pairs: samples.map { ($0.label, $0.predicted ?? -1) })
            report.top1 = c.top1
            report.classification = c
            for (k, a) in c.perClass.enumerated() {
                lines.append("\(name) accuracy: class \(k) (\(benchmark.className(k))): " + (a.map { String(format: "%.2f %%", $0 * 100) } ?? "no samples"))
            }
            lines.append("\(name) accuracy: target \(String(format: "%.0f", target * 100)) %, \(c.top1 >= target ? "met" : "NOT met")")
            lines.append("\(name) accuracy: Top 1% = \(String(format: "%.2f", c.top1 * 100))")
            // The runner's one-vs-rest AUC, informational for classifiers.
            if let auc = try? ROCAUC.oneVsRest(labels: samples.map(\.label), results: samples.map(\.results)) {
                report.auc = auc
                lines.append("\(name) accuracy: AUC = \(String(format: "%.3f", auc))")
            }
            result.top1 = c.top1
            result.targetMet = c.top1 >= target
        case .auc(let target):
            let auc = try ROCAUC.compute(labels: samples.map(\.label), scores: samples.map { $0.score ?? .nan })
            report.auc = auc
            let top1 = AnomalyThresholdAccuracy.mlcRunner(labels: samples.map(\.label), scores: samples.map { $0.score ?? .nan })
            report.top1 = top1 / 100
            lines.append("\(name) accuracy: target AUC \(target), \(auc >= target ? "met" : "NOT met")")
            // As the MLCommons runner computes it (best mean of precision and recall over 100 thresholds).
            lines.append("\(name) accuracy: Top 1% = \(String(format: "%.1f", top1))")
            lines.append("\(name) accuracy: AUC = \(String(format: "%.4f", auc))")
            result.auc = auc
            result.targetMet = auc >= target
        }
        try record.writeResults(lines)
        try record.writeJSON(report.prettyJSON())
        return result
    }
}

/// The files of an accuracy run handed out one at a time to the DUTs that
/// share it, and their results kept by position. The first failure stops
/// every DUT after the file it is on.
final class SampleQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private(set) var samples: [AccuracySample?]
    private(set) var failure: Error?

    init(total: Int) {
        samples = Array(repeating: nil, count: total)
    }

    /// A file done before (a resumed run): it is not handed out again.
    func keep(_ i: Int, _ sample: AccuracySample) {
        lock.lock()
        defer { lock.unlock() }
        samples[i] = sample
        done += 1
    }

    /// Takes files until none is left or a DUT failed: `infer` runs one, `progress` gets the count done.
    func drain(_ infer: (Int) throws -> AccuracySample, progress: (Int) -> Void) {
        while let i = take() {
            do {
                let sample = try infer(i)
                progress(finish(i, sample))
            } catch {
                fail(error)
            }
        }
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while next < samples.count && samples[next] != nil { next += 1 }
        guard failure == nil, next < samples.count else { return nil }
        defer { next += 1 }
        return next
    }

    private func finish(_ i: Int, _ sample: AccuracySample) -> Int {
        lock.lock()
        defer { lock.unlock() }
        samples[i] = sample
        done += 1
        return done
    }

    private func fail(_ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil { failure = error }
    }
}
