import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// Whole sessions against the in-process emulated DUT on datasets made here.
struct SessionTests {
    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-session-\(UUID().uuidString)")
    }

    /// A classifier dataset of conformance (or demo) inputs (as the wire format: uint8 for vision),
    /// labelled with the runtime's own argmax for even files and a wrong class for odd ones.
    static func classifierDataset(_ b: Benchmark) throws -> (URL, expectedTop1: Double) {
        let root = tempDir()
        let dir = root.appendingPathComponent(b.datasetFolder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let interpreter = try Interpreter(model: SharedModels.anyModel(b.id))
        var rows = [String]()
        var correct = 0
        let count = 8
        for i in 0..<count {
            let input = try HarnessData.modelInput(b.id, i + 5)
            try interpreter.setInput(input)
            interpreter.invoke()
            let out = try interpreter.output().map { Double(Int8(bitPattern: $0)) }
            let argmax = ClassificationReport.argmax(out)!
            let label = i % 2 == 0 ? argmax : (argmax + 1) % b.classes
            if label == argmax { correct += 1 }
            let wire = b.id == "kws01" ? input : input.map { $0 ^ 0x80 }
            try Data(wire).write(to: dir.appendingPathComponent("f\(i).bin"))
            rows.append("f\(i).bin,\(b.classes),\(label)")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        return (root, Double(correct) / Double(count))
    }

    /// A session on `dut` (a new emulated DUT for the benchmark when nil).
    static func session(_ b: Benchmark, dataset root: URL, mode: ModeSelection, output: URL, dut: EmulatedDUT? = nil) throws -> Session {
        var settings = SessionSettings()
        settings.mode = mode
        settings.minWindowSeconds = 1
        settings.targetWindowSeconds = 1.5
        let dut = try dut ?? EmulatedDUT(model: SharedModels.anyModel(b.id), benchmark: b)
        let data = try Dataset(root: root, benchmark: b)
        let manifest = try SessionManifest(benchmark: b, dataset: data, port: "in-process", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        return Session(client: DUTClient(transport: EmulatedTransport(dut: dut)), benchmark: b, dataset: data,
                       settings: settings, manifest: manifest, output: output)
    }

    /// The regular expressions of the MLCommons submission checker.
    static func checkerValue(_ text: String, _ pattern: String) -> Double? {
        let regex = try! NSRegularExpression(pattern: pattern)
        var value: Double?
        for line in text.split(separator: "\n").map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            if let m = regex.firstMatch(in: line, range: range), m.range.location == 0,
               let r = Range(m.range(at: 1), in: line) {
                value = Double(line[r])   // the last match wins
            }
        }
        return value
    }

    /// ic02 reads its files from the ic01 folder and writes its results under ic2.
    @Test(arguments: [Benchmark.kws01, .ic01, .ic02])
    func accuracyEqualsTheRuntimesOwn(benchmark: Benchmark) throws {
        let (root, expected) = try Self.classifierDataset(benchmark)
        let output = Self.tempDir()
        let results = try Self.session(benchmark, dataset: root, mode: .all, output: output).run()
        #expect(results.map(\.mode) == [.performance, .accuracy])
        let folder = output.appendingPathComponent(benchmark.shortName)
        let accuracy = try String(contentsOf: folder.appendingPathComponent("accuracy/results.txt"), encoding: .utf8)
        let top1 = try #require(Self.checkerValue(accuracy, #".* Top[- ]1%?\s?[:=] ([\d\.]+).*"#))
        #expect(abs(top1 - expected * 100) < 0.01)
        let performance = try String(contentsOf: folder.appendingPathComponent("performance/results.txt"), encoding: .utf8)
        let throughput = try #require(Self.checkerValue(performance, #".* Median throughput is\s+([\d\.]+) inf\./sec\..*"#))
        let dut = try EmulatedDUT(model: SharedModels.anyModel(benchmark.id), benchmark: benchmark)
        #expect(abs(throughput - 1e6 / dut.inferenceMicroseconds) / throughput < 0.001)
        #expect(performance.contains("NON-COMPLIANT"))
        for mode in ["performance", "accuracy"] {
            for file in ["log.txt", "results.txt", "results.json", "samples.jsonl"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(mode)/\(file)").path), "\(mode)/\(file)")
            }
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("performance/results.json"))) as? [String: Any]
        #expect((json?["windows"] as? [Any])?.count == 5)
        #expect(((json?["manifest"] as? [String: Any])?["emulated"] as? Bool) == true)
    }

    /// samples.jsonl and results.json hold the bytes `JSONEncoder` writes for
    /// their values (accuracy runs write samples by hand), for a name that
    /// needs escaping too (such a sample, and results.json, go through `JSONEncoder`).
    @Test(arguments: [false, true])
    func samplesAreWrittenAsJSONEncoderWritesThem(escapedName: Bool) throws {
        struct Report: Codable {
            var manifest: SessionManifest
            var settings: SessionSettings
            var samples: [AccuracySample]
            var top1: Double?
            var auc: Double?
            var classification: ClassificationReport?
            var link: LinkUsage?
            var interrupted: Bool?
        }
        for benchmark in [Benchmark.kws01, .ad01] {
            let root = benchmark == .ad01 ? try Self.anomalyDataset() : try Self.classifierDataset(benchmark).0
            if escapedName {
                let folder = root.appendingPathComponent(benchmark.datasetFolder)
                let labels = folder.appendingPathComponent("y_labels.csv")
                var rows = try String(contentsOf: labels, encoding: .utf8).split(separator: "\n").map(String.init)
                let first = String(rows[0].prefix { $0 != "," })
                let renamed = "\"é\\\u{7}\(first)"
                try FileManager.default.moveItem(at: folder.appendingPathComponent(first), to: folder.appendingPathComponent(renamed))
                rows[0] = renamed + rows[0].dropFirst(first.count)
                try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: labels)
            }
            let output = Self.tempDir()
            _ = try Self.session(benchmark, dataset: root, mode: .accuracy, output: output).run()
            let folder = output.appendingPathComponent("\(benchmark.shortName)/accuracy")
            let lines = try Data(contentsOf: folder.appendingPathComponent("samples.jsonl")).split(separator: 10)
            #expect(!lines.isEmpty)
            for line in lines {
                let sample = try JSONDecoder().decode(AccuracySample.self, from: Data(line))
                #expect(try JSONOutput.encoder(pretty: false).encode(sample) == Data(line), "\(sample.file)")
            }
            let results = try Data(contentsOf: folder.appendingPathComponent("results.json"))
            let report = try JSONDecoder().decode(Report.self, from: results)
            #expect(report.samples.count == lines.count)
            #expect(try JSONOutput.encoder().encode(report) == results, "\(benchmark.id)")
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: output)
        }
    }

    /// ad01: every window of a file, the file score is the mean, AUC over files.
    @Test func anomalyDetectionAUC() throws {
        let root = try Self.anomalyDataset()
        let output = Self.tempDir()
        _ = try Self.session(.ad01, dataset: root, mode: .accuracy, output: output).run()
        let folder = output.appendingPathComponent("ad/accuracy")
        let text = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        let auc = try #require(Self.checkerValue(text, #".* AUC\s?[:=] ([\d\.]+).*"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("results.json"))) as? [String: Any])
        let samples = try #require(json["samples"] as? [[String: Any]])
        #expect(samples.allSatisfy { ($0["results"] as? [Double])?.count == 196 })
        let scores = samples.compactMap { $0["score"] as? Double }
        let labels = samples.compactMap { $0["label"] as? Int }
        #expect(abs(auc - (try ROCAUC.compute(labels: labels, scores: scores))) < 1e-4)
    }

    /// Four ad01 files: smooth "normal" spectrograms and noisy "anomalous" ones.
    static func anomalyDataset() throws -> URL {
        let root = Self.tempDir()
        let dir = root.appendingPathComponent("ad01")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Smooth "normal" spectrograms and noisy "anomalous" ones.
        var rows = [String]()
        var seed: UInt64 = 42
        func noise() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(seed >> 40) / Float(1 << 24) - 0.5
        }
        for i in 0..<4 {
            let anomalous = i >= 2
            let floats = (0..<25_600).map { k -> Float in
                let base = Float(k % 128) / 8 - 8
                return anomalous ? base + 40 * noise() : base + 0.1 * noise()
            }
            let bytes = floats.flatMap { f in (0..<4).map { UInt8(truncatingIfNeeded: f.bitPattern >> (8 * UInt32($0))) } }
            try Data(bytes).write(to: dir.appendingPathComponent("m\(i).bin"))
            rows.append("m\(i).bin,2,\(anomalous ? 1 : 0),2560,512")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        return root
    }

    /// Commands and blocks handed to the in-process DUT as values (the
    /// default) give what its byte stream gives: the same samples, results
    /// and link counts in both modes, and the DUT's virtual clock ends on the
    /// same value to the bit. ad01 slides its windows, vww01 needs several blocks.
    @Test(arguments: [Benchmark.kws01, .vww01, .ad01])
    func handingOverInProcessEqualsTheBytePath(benchmark: Benchmark) throws {
        let root = benchmark == .ad01 ? try Self.anomalyDataset() : try Self.classifierDataset(benchmark).0
        var clocks = [Double](), folders = [URL]()
        for direct in [true, false] {
            let output = Self.tempDir()
            let dut = try EmulatedDUT(model: SharedModels.anyModel(benchmark.id), benchmark: benchmark)
            let session = try Self.session(benchmark, dataset: root, mode: .all, output: output, dut: dut)
            session.client.handsOverInProcess = direct
            _ = try session.run()
            clocks.append(dut.clockMicroseconds)
            folders.append(output.appendingPathComponent(benchmark.shortName))
        }
        #expect(clocks[0] == clocks[1])
        for file in ["accuracy/samples.jsonl", "accuracy/results.txt", "performance/results.txt"] {
            let texts = try folders.map { try String(contentsOf: $0.appendingPathComponent(file), encoding: .utf8) }
            #expect(texts[0] == texts[1], "\(file)")
        }
        // results.json: equal but for the host's timings.
        func untimed(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { key, _ in !Self.timingKeys.contains(key) }.mapValues(untimed)
            }
            if let array = value as? [Any] { return array.map(untimed) }
            return value
        }
        for mode in ["accuracy", "performance"] {
            let objects = try folders.map {
                untimed(try JSONSerialization.jsonObject(with: Data(contentsOf: $0.appendingPathComponent("\(mode)/results.json"))))
            }
            let texts = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            #expect(texts[0] == texts[1], "\(mode)/results.json")
        }
        let log = try String(contentsOf: folders[0].appendingPathComponent("accuracy/log.txt"), encoding: .utf8)
        #expect(log.contains("# link: none, the DUT runs in this process"))
        let byteLog = try String(contentsOf: folders[1].appendingPathComponent("accuracy/log.txt"), encoding: .utf8)
        #expect(!byteLog.contains("# link: none"))
    }

    /// Keys of results.json whose values are the host's timings (they differ run to run).
    static let timingKeys: Set<String> = ["seconds", "bytesPerSecond", "hostSeconds", "started", "finished", "date", "elapsedSeconds"]

    @Test func wrongBenchmarkIsAClearError() throws {
        let (root, _) = try Self.classifierDataset(.kws01)
        // The DUT runs ic01; the session asks for kws01.
        let dut = try EmulatedDUT(model: SharedModels.anyModel("ic01"), benchmark: .ic01)
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "in-process", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        let session = Session(client: DUTClient(transport: EmulatedTransport(dut: dut)), benchmark: .kws01, dataset: data,
                              settings: SessionSettings(), manifest: manifest, output: Self.tempDir())
        #expect(throws: (any Error).self) { try session.run() }
        do { _ = try session.run() } catch { #expect("\(error)".contains("the DUT runs ic01, but kws01 was requested")) }
    }

    @Test func energyFirmwareIsDiagnosed() throws {
        let (root, _) = try Self.classifierDataset(.kws01)
        let dut = try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01, timestampMode: .energy)
        let transport = EmulatedTransport(dut: dut)
        var reader = LineReader()
        let boot = reader.feed(try transport.read(timeout: .zero))
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "in-process", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        var settings = SessionSettings()
        settings.mode = .performance
        let session = Session(client: DUTClient(transport: transport), benchmark: .kws01, dataset: data,
                              settings: settings, manifest: manifest, output: Self.tempDir())
        do {
            _ = try session.run(bootLines: boot)
            Issue.record("energy firmware was accepted for a performance run")
        } catch {
            #expect("\(error)".contains("energy timestamp mode"))
        }
    }

    /// Accuracy shared among three in-process DUTs: results merged in dataset order, equal to one DUT's.
    @Test func accuracySharedAmongIdenticalDUTsEqualsOneDUTs() throws {
        let (root, _) = try Self.classifierDataset(.ic01)
        let one = try Self.session(.ic01, dataset: root, mode: .accuracy, output: Self.tempDir())
        let alone = try one.accuracy(bootLines: [])
        let output = Self.tempDir()
        let sessions = try (0..<3).map { _ in try Self.session(.ic01, dataset: root, mode: .accuracy, output: output) }
        let shared = try sessions[0].accuracy(bootLines: [], peers: sessions.dropFirst().map { AccuracyPeer(session: $0, bootLines: []) })
        #expect(shared.top1 == alone.top1)
        func samples(_ folder: URL) throws -> [AccuracySample] {
            struct Report: Decodable { var samples: [AccuracySample] }
            return try JSONDecoder().decode(Report.self, from: Data(contentsOf: folder.appendingPathComponent("results.json"))).samples
        }
        #expect(try samples(shared.folder) == samples(alone.folder))
        #expect(try samples(shared.folder).map(\.file) == (0..<8).map { "f\($0).bin" })
    }

    @Test func differentDUTsDoNotShareAnAccuracyRun() throws {
        let (root, _) = try Self.classifierDataset(.kws01)
        let output = Self.tempDir()
        let first = try Self.session(.kws01, dataset: root, mode: .accuracy, output: output)
        let data = try Dataset(root: root, benchmark: .kws01)
        let other = try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01, vendor: "another vendor's DUT")
        let manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "second", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        let second = Session(client: DUTClient(transport: EmulatedTransport(dut: other)), benchmark: .kws01, dataset: data,
                             settings: SessionSettings(), manifest: manifest, output: output)
        #expect {
            _ = try first.accuracy(bootLines: [], peers: [AccuracyPeer(session: second, bootLines: [])])
        } throws: { error in
            "\(error)".contains("shared only among identical DUTs") && "\(error)".contains("another vendor's DUT")
        }
    }
}
