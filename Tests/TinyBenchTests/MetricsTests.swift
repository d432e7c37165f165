import Testing
import TinyBench

/// AUC against scikit-learn's roc_auc_score. The expected values were computed
/// with scikit-learn 1.x (`roc_auc_score(labels, scores)`) and are written here
/// as literals so the tests need no Python.
struct ROCAUCTests {
    @Test(arguments: [
        ("all tied", [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 0.5),
        ("separated", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ("inverted", [0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 0.0),
        ("ties across classes", [0, 0, 0, 1, 1, 1, 0, 1], [1.0, 2.0, 2.0, 2.0, 3.0, 1.0, 3.0, 3.0], 0.59375),
        ("mixed", [1, 0, 1, 1, 0, 0, 1, 0, 1, 0], [0.3, 0.3, 0.7, 0.1, 0.5, 0.2, 0.7, 0.7, 0.9, 0.05], 0.7),
        ("many ties", [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0], [2, 2, 2, 1, 1, 1, 3, 3, 3, 2, 2], 0.6333333333333333),
    ] as [(String, [Int], [Double], Double)])
    func matchesScikitLearn(name: String, labels: [Int], scores: [Double], expected: Double) throws {
        let auc = try ROCAUC.compute(labels: labels, scores: scores)
        #expect(abs(auc - expected) < 1e-12, "\(name): \(auc) vs \(expected)")
    }

    @Test func rejectsWhatScikitLearnRejects() {
        #expect(throws: ROCAUC.Failure.oneClassOnly(1)) { try ROCAUC.compute(labels: [1, 1], scores: [0.1, 0.2]) }
        #expect(throws: ROCAUC.Failure.notBinary(2)) { try ROCAUC.compute(labels: [0, 2], scores: [0.1, 0.2]) }
        #expect(throws: ROCAUC.Failure.lengthMismatch(labels: 2, scores: 1)) { try ROCAUC.compute(labels: [0, 1], scores: [0.1]) }
        #expect(throws: ROCAUC.Failure.notFinite) { try ROCAUC.compute(labels: [0, 1], scores: [0.1, .nan]) }
    }
}

/// The figures the MLCommons runner prints besides the binary AUC; expected
/// values from scikit-learn 1.x and the runner's own calculate_accuracy.
struct RunnerFiguresTests {
    @Test func oneVsRestAUCMatchesScikitLearn() throws {
        // Rows are not normalised (like int8 scores); the runner divides each by its sum.
        let labels = [0, 1, 2, 0, 1, 2, 2, 1, 0, 1]
        let results: [[Double]] = [[50, 25, 25], [10, 80, 10], [20, 20, 60], [30, 40, 30], [60, 20, 20],
                                   [25, 25, 50], [10, 45, 45], [20, 60, 20], [40, 40, 20], [64, 64, 0]]
        let auc = try ROCAUC.oneVsRest(labels: labels, results: results)
        #expect(abs(auc - 0.8363095238095237) < 1e-12)
        #expect(throws: ROCAUC.Failure.classWithoutSamples(2)) {
            try ROCAUC.oneVsRest(labels: [0, 1, 0], results: [[1, 2, 3], [3, 2, 1], [1, 1, 1]])
        }
        #expect(throws: ROCAUC.Failure.ragged) { try ROCAUC.oneVsRest(labels: [0, 1], results: [[1, 2], [3]]) }
    }

    @Test(arguments: [
        ([0, 0, 0, 1, 1, 1, 0, 1], [1.0, 2.0, 2.0, 2.0, 3.0, 1.0, 3.0, 3.0], 62.49999986458333),
        ([1, 0, 1, 1, 0, 0, 1, 0, 1, 0], [0.3, 0.3, 0.7, 0.1, 0.5, 0.2, 0.7, 0.7, 0.9, 0.05], 77.77777764691358),
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 99.9999995),
    ] as [([Int], [Double], Double)])
    func anomalyTop1MatchesTheRunner(labels: [Int], scores: [Double], expected: Double) {
        #expect(abs(AnomalyThresholdAccuracy.mlcRunner(labels: labels, scores: scores) - expected) < 1e-9)
    }
}

struct ClassificationTests {
    @Test func confusionAndPerClass() {
        let r = ClassificationReport(classes: 3, pairs: [(0, 0), (0, 1), (1, 1), (2, 2), (2, 0), (2, 2)])
        #expect(r.total == 6 && r.correct == 4)
        #expect(abs(r.top1 - 4.0 / 6) < 1e-12)
        #expect(r.confusion == [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        #expect(r.perClass[0] == 0.5 && r.perClass[1] == 1.0 && r.perClass[2] == 2.0 / 3)
        #expect(ClassificationReport(classes: 2, pairs: [(0, 0)]).perClass[1] == nil)
    }

    @Test func argmaxTakesTheFirstOfTies() {
        #expect(ClassificationReport.argmax([0.1, 0.7, 0.7, 0.2]) == 1)
        #expect(ClassificationReport.argmax([]) == nil)
    }
}

struct WindowStatisticsTests {
    @Test func medianLikeNumpy() throws {
        let odd = try #require(WindowStatistics([5, 1, 4, 2, 3]))
        #expect(odd.median == 3 && odd.min == 1 && odd.max == 5 && odd.mean == 3)
        #expect(abs(odd.coefficientOfVariation - (2.0).squareRoot() / 3) < 1e-12)
        #expect(WindowStatistics([1, 2, 3, 10])?.median == 2.5)
        #expect(WindowStatistics([]) == nil)
    }

    @Test func lapTimerWrapsAt32Bits() {
        #expect(LapTimer.elapsedMicroseconds(from: 100, to: 1_100) == 1000)
        #expect(LapTimer.elapsedMicroseconds(from: UInt32.max - 499, to: 500) == 1000)
        #expect(LapTimer.throughput(inferences: 10, from: UInt32.max - 999_999, to: 1_000_000) == 5)
        #expect(LapTimer.throughput(inferences: 10, from: 7, to: 7) == nil)
    }
}

/// Classes are named as the reference training code names them.
struct ClassNameTests {
    @Test func classNamesFollowTheReferenceOrder() {
        #expect(Benchmark.kws01.className(9) == "Yes" && Benchmark.kws01.className(11) == "Unknown")
        #expect(Benchmark.vww01.className(1) == "person" && Benchmark.ic01.className(3) == "cat")
        #expect(Benchmark.ad01.className(1) == "anomaly" && Benchmark.ic01.className(10) == "class 10")
    }
}
