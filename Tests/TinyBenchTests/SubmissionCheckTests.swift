import Foundation
import Testing
import TinyBench

/// The submission checker's rules on hand-made trees: the MLCommons checker's
/// files and score lines, and the run rules behind the scores.
struct SubmissionCheckTests {
    static func tree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-tree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    /// Fixtures are plain dictionaries and arrays, which always serialise.
    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A results.json manifest with the device's timing, as TinyBench writes it.
    static func manifest(_ timing: String = "measured", summary: String = "device on /dev/ttyACM0") -> [String: Any] {
        ["device": ["summary": summary, "timing": timing], "emulated": timing != "measured"]
    }

    /// A performance results.json with one window per length.
    static func performance(_ seconds: [Double] = [15.2, 15.1, 15.3, 15.0, 15.2], compliant: Bool = true,
                            manifest: [String: Any] = manifest()) -> String {
        json(["manifest": manifest, "compliant": compliant,
              "windows": seconds.map { ["file": "a.bin", "inferences": 80, "seconds": $0] }])
    }

    /// An energy results.json with one window per length (nil: a window whose timestamps were lost).
    static func energy(_ seconds: [Double?] = [15.2, 15.1, 15.3, 15.0, 15.2], problems: [String] = []) -> String {
        json(["manifest": manifest(), "valid": problems.isEmpty, "problems": problems,
              "windows": seconds.map { s -> [String: Any] in
                  let analysis: [String: Any] = s.map { ["seconds": $0, "problems": [String]()] } ?? ["problems": ["lost timestamp event"]]
                  return ["file": "a.bin", "inferences": 80, "analysis": analysis]
              }])
    }

    static let perf = "closed/Org/results/dut/kws/performance/"
    static let energyFolder = "closed/Org/results/dut/kws/energy/"
    static let accuracy = "closed/Org/results/dut/ad/accuracy/"

    static let good: [String: String] = [
        "closed/Org/systems/dut.json": #"{"Status": "available"}"#,
        energyFolder + "log.txt": "",
        energyFolder + "results.json": energy(),
        energyFolder + "results.txt": "kws energy: Median energy cost is 7710.922 uJ/inf.\n",
        perf + "log.txt": "",
        perf + "results.json": performance(),
        perf + "results.txt": "kws performance: Median throughput is 5.252 inf./sec.\n",
        accuracy + "log.txt": "",
        accuracy + "results.json": json(["manifest": manifest()]),
        accuracy + "results.txt": "ad accuracy: AUC = 0.9844\n",
    ]

    /// The problems of the good tree with `changes` (nil removes a file).
    static func problems(_ changes: [String: String?], allowEmulated: Bool = false) throws -> [String] {
        var files = good
        for (path, text) in changes { files[path] = text }
        return SubmissionCheck.check(root: try tree(files), allowEmulated: allowEmulated).problems
    }

    @Test func aCompleteTreePasses() throws {
        let findings = SubmissionCheck.check(root: try Self.tree(Self.good), allowEmulated: false)
        #expect(findings.problems.isEmpty, "\(findings.problems)")
        #expect(findings.resultFolders == 3 && findings.emulatedFolders.isEmpty)
    }

    @Test func everyFileRuleFailsLoudly() throws {
        let problems = try Self.problems([
            Self.energyFolder + "results.txt": "kws energy: median power 40.500 mW\n",   // truncated before the score
            Self.perf + "results.txt": "Median throughput is 5.252 inf./sec.\n",          // nothing before the keyword
            Self.accuracy + "log.txt": nil,
            "closed/Org/systems/dut.json": #"{"Status": "someday"}"#,
        ])
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.hasSuffix("kws/energy/results.txt: no line the checker reads for energy") })
        #expect(problems.contains { $0.hasSuffix("kws/performance/results.txt: no line the checker reads for performance") })
        #expect(problems.contains { $0.hasSuffix("ad/accuracy: no log.txt") })
        #expect(problems.contains { $0.contains("systems/dut.json") })
        #expect(SubmissionCheck.check(root: try Self.tree([:]), allowEmulated: false).problems.count == 1)
    }

    @Test func aNonCompliantRunFails() throws {
        let line = "kws performance: NON-COMPLIANT run: 5 windows, minimum window 9.0 s"
        // results.txt says it (results.json agrees): one reason, the line itself.
        let said = try Self.problems([
            Self.perf + "results.txt": line + "\nkws performance: Median throughput is 5.252 inf./sec.\n",
            Self.perf + "results.json": Self.performance(compliant: false),
        ])
        #expect(said.count == 1 && said[0].hasSuffix("kws/performance/results.txt: " + line), "\(said)")
        // Only results.json says it.
        let json = try Self.problems([Self.perf + "results.json": Self.performance(compliant: false)])
        #expect(json.count == 1 && json[0].hasSuffix("kws/performance/results.json: \"compliant\": false (NON-COMPLIANT)"), "\(json)")
    }

    @Test func anInterruptedRunFails() throws {
        // Interrupted: no score line, a line saying so.
        let line = "ad accuracy: INTERRUPTED after 812 of 1000 samples"
        let said = try Self.problems([Self.accuracy + "results.txt": line + "\n"])
        #expect(said.count == 2, "\(said)")
        #expect(said.contains { $0.hasSuffix("ad/accuracy/results.txt: " + line) })
        #expect(said.contains { $0.hasSuffix("ad/accuracy/results.txt: no line the checker reads for accuracy") })
        // The score line is there, yet results.json says the run was interrupted.
        let json = try Self.problems([Self.accuracy + "results.json": Self.json(["manifest": Self.manifest(), "interrupted": true])])
        #expect(json.count == 1 && json[0].hasSuffix("ad/accuracy/results.json: \"interrupted\": true (INTERRUPTED)"), "\(json)")
        // An interrupted performance run's windows are checked too: 3 of 5 done.
        let windows = try Self.problems([Self.perf + "results.txt": "kws performance: INTERRUPTED: 3 of 5 windows\n",
                                         Self.perf + "results.json": Self.performance([15, 15, 15])])
        #expect(windows.contains { $0.hasSuffix("kws/performance/results.json: 3 performance window(s) where the rules ask for 5") }, "\(windows)")
    }

    @Test func anInvalidEnergyRunFailsWithItsReasons() throws {
        let problems = try Self.problems([Self.energyFolder + "results.json": Self.energy([15, nil, 15, 15, 15], problems: ["window 2: lost timestamp event"])])
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.hasSuffix("kws/energy/results.json: \"valid\": false (INVALID): window 2: lost timestamp event") })
        #expect(problems.contains { $0.hasSuffix("kws/energy/results.json: window 2 (no measured length) under the 10 s the rules ask of every energy window") })
    }

    @Test func shortWindowsFail() throws {
        // An energy run with 1.5 s windows is otherwise valid: only results.json shows it.
        let energy = try Self.problems([Self.energyFolder + "results.json": Self.energy([1.5, 1.5, 1.5, 1.5, 1.5])])
        #expect(energy.count == 1, "\(energy)")
        #expect(energy.first?.hasSuffix("kws/energy/results.json: window 1 (1.500 s), window 2 (1.500 s), window 3 (1.500 s), window 4 (1.500 s), window 5 (1.500 s) under the 10 s the rules ask of every energy window") == true, "\(energy)")
        let performance = try Self.problems([Self.perf + "results.json": Self.performance([15, 15, 9.999, 15, 10])])
        #expect(performance.count == 1 && performance[0].hasSuffix("results.json: window 3 (9.999 s) under the 10 s the rules ask of every performance window"), "\(performance)")
    }

    @Test func anythingButFiveWindowsFails() throws {
        let three = try Self.problems([Self.perf + "results.json": Self.performance([15, 15, 15])])
        #expect(three.count == 1 && three[0].hasSuffix("kws/performance/results.json: 3 performance window(s) where the rules ask for 5"), "\(three)")
        let six = try Self.problems([Self.energyFolder + "results.json": Self.energy([15, 15, 15, 15, 15, 15])])
        #expect(six.count == 1 && six[0].hasSuffix("kws/energy/results.json: 6 energy window(s) where the rules ask for 5"), "\(six)")
        // Windows that cannot be counted fail too, as does a results.json that cannot be read.
        let none = try Self.problems([Self.perf + "results.json": Self.json(["manifest": Self.manifest()])])
        #expect(none.count == 1 && none[0].hasSuffix("kws/performance/results.json: no windows, so their number and lengths cannot be checked"), "\(none)")
        let garbled = try Self.problems([Self.perf + "results.json": "{\"windows\": ["])
        #expect(garbled.count == 1 && garbled[0].contains("kws/performance/results.json: not a JSON object"), "\(garbled)")
    }

    @Test(arguments: [
        ("cost-model", "emulated (TinyRuntime + cost model of nucleo-l4r5zi-tflm)", "emulated result"),
        ("instruction-count", "QEMU mps2-an386 (Cortex-M4F), instruction-count time", "QEMU result"),
    ])
    func emulatedResultsFailUnlessAllowed(timing: String, summary: String, kind: String) throws {
        let modelled = Self.manifest(timing, summary: summary)
        let changes: [String: String?] = [
            Self.perf + "results.json": Self.performance(manifest: modelled),
            Self.accuracy + "results.json": Self.json(["manifest": modelled]),
        ]
        let problems = try Self.problems(changes)
        #expect(problems.count == 2, "\(problems)")
        for folder in ["kws/performance", "ad/accuracy"] {
            #expect(problems.contains { $0.hasSuffix("\(folder)/results.json: \(kind), not a measurement on a board (\(timing) timing: \(summary)); --allow-emulated accepts it") }, "\(problems)")
        }
        var files = Self.good
        for (path, text) in changes { files[path] = text }
        let allowed = SubmissionCheck.check(root: try Self.tree(files), allowEmulated: true)
        #expect(allowed.problems.isEmpty, "\(allowed.problems)")
        #expect(allowed.emulatedFolders.map(\.lastPathComponent).sorted() == ["accuracy", "performance"])
    }

    @Test func emulatedResultsAreFoundByTheManifestFlagOrTheScoreLineLabel() throws {
        let flag = try Self.problems([Self.accuracy + "results.json": Self.json(["manifest": ["emulated": true]])])
        #expect(flag.count == 1 && flag[0].hasSuffix("ad/accuracy/results.json: emulated result, not a measurement on a board (the manifest says emulated); --allow-emulated accepts it"), "\(flag)")
        let score = "ad accuracy: AUC = 0.9844 (emulated timing, not a measurement on a board: QEMU)"
        let label = try Self.problems([Self.accuracy + "results.json": "{}", Self.accuracy + "results.txt": score + "\n"])
        #expect(label.count == 1 && label[0].hasSuffix("ad/accuracy/results.txt: emulated result, not a measurement on a board (\(score)); --allow-emulated accepts it"), "\(label)")
        // Only the score line counts: a comment elsewhere that mentions emulation does not.
        let comment = try Self.problems([Self.accuracy + "results.txt": "ad accuracy: compared with the emulated run\nad accuracy: AUC = 0.9844\n"])
        #expect(comment.isEmpty, "\(comment)")
    }

    // MARK: the checker's v1.4 benchmarks: ic2 and its rules

    static let ic2 = "closed/Org/results/dut/ic2/accuracy/"
    static let ic = "closed/Org/results/dut/ic/accuracy/"

    static func accuracyRun(_ folder: String, _ line: String) -> [String: String?] {
        [folder + "log.txt": "", folder + "results.json": json(["manifest": manifest()]), folder + "results.txt": line + "\n"]
    }

    @Test func anIc2ResultNeedsAnIcResultBesideIt() throws {
        let alone = try Self.problems(Self.accuracyRun(Self.ic2, "ic2 accuracy: Top 1% = 92.50"))
        #expect(alone.count == 1 && alone[0].contains("results/dut/ic2: ic2 results need ic results of the same system beside them (")
                && alone[0].hasSuffix("results/dut/ic is missing)"), "\(alone)")
        let both = try Self.problems(Self.accuracyRun(Self.ic2, "ic2 accuracy: Top 1% = 92.50")
            .merging(Self.accuracyRun(Self.ic, "ic accuracy: Top 1% = 86.00")) { $1 })
        #expect(both.isEmpty, "\(both)")
    }

    /// The checker's targets per folder: ic2 needs top-1 91 % where ic needs 85 %.
    @Test func accuracyBelowItsBenchmarksTargetFailsInTheClosedDivision() throws {
        // As TinyBench writes it: a classifier's AUC line after its top-1 line; the checker reads the top-1.
        let low = try Self.problems(Self.accuracyRun(Self.ic2, "ic2 accuracy: Top 1% = 90.50\nic2 accuracy: AUC = 0.990")
            .merging(Self.accuracyRun(Self.ic, "ic accuracy: Top 1% = 90.50\nic accuracy: AUC = 0.990")) { $1 })
        #expect(low.count == 1 && low[0].hasSuffix("ic2/accuracy/results.txt: 90.5 misses ic2's accuracy target (top-1 91 %); the checker rejects it in the closed division"), "\(low)")
        let auc = try Self.problems([Self.accuracy + "results.txt": "ad accuracy: AUC = 0.84\n"])
        #expect(auc.count == 1 && auc[0].hasSuffix("ad/accuracy/results.txt: 0.84 misses ad's accuracy target (AUC 0.85); the checker rejects it in the closed division"), "\(auc)")
        // The open division takes any accuracy.
        var files = Self.good
        let open = Self.accuracyRun(Self.ic2.replacingOccurrences(of: "closed/", with: "open/"), "ic2 accuracy: Top 1% = 50.00")
            .merging(Self.accuracyRun(Self.ic.replacingOccurrences(of: "closed/", with: "open/"), "ic accuracy: Top 1% = 50.00"), uniquingKeysWith: { $1 })
        for (path, text) in open { files[path] = text }
        files["open/Org/systems/dut.json"] = #"{"Status": "available"}"#
        #expect(SubmissionCheck.check(root: try Self.tree(files), allowEmulated: false).problems.isEmpty)
    }

    @Test func aFolderTheCheckerDoesNotKnowFailsInTheClosedDivision() throws {
        let unknown = try Self.problems(Self.accuracyRun("closed/Org/results/dut/ic02/accuracy/", "ic02 accuracy: Top 1% = 92.50"))
        #expect(unknown.count == 1 && unknown[0].hasSuffix("results/dut/ic02: 'ic02' is not a benchmark of the closed division (ad, ic, ic2, kws, vww, sww)"), "\(unknown)")
    }
}
