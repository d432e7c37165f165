/// Area under the ROC curve with scikit-learn's `roc_auc_score` semantics for
/// binary labels: the probability that a random positive scores above a random
/// negative, ties counting one half (the Mann–Whitney U statistic).
public enum ROCAUC {
    /// Why an AUC cannot be computed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case lengthMismatch(labels: Int, scores: Int)
        case oneClassOnly(Int)
        case notBinary(Int)
        case notFinite
        case classWithoutSamples(Int)
        case ragged

        public var description: String {
            switch self {
            case let .lengthMismatch(l, s): "AUC needs one score per label (\(l) labels, \(s) scores)"
            case .oneClassOnly(let c): "AUC is undefined when only class \(c) is present"
            case .notBinary(let c): "AUC labels must be 0 or 1, found \(c)"
            case .notFinite: "AUC scores must be finite numbers"
            case .classWithoutSamples(let c): "one-vs-rest AUC is undefined: class \(c) has no samples"
            case .ragged: "one-vs-rest AUC needs one score per class in every row"
            }
        }
    }

    /// `labels` are 0 (negative, normal) or 1 (positive, anomaly).
    public static func compute(labels: [Int], scores: [Double]) throws(Failure) -> Double {
        guard labels.count == scores.count else { throw .lengthMismatch(labels: labels.count, scores: scores.count) }
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw .notBinary(bad) }
        guard scores.allSatisfy(\.isFinite) else { throw .notFinite }
        let positives = labels.filter { $0 == 1 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { throw .oneClassOnly(labels.first ?? 0) }
        // Rank sum of the positives with average ranks for ties.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j + 2) / 2   // ranks are 1-based
            for k in i...j where labels[order[k]] == 1 { rankSum += averageRank }
            i = j + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }

    /// Multi-class AUC as the MLCommons runner reports it for classifiers:
    /// each result row divided by its sum, then scikit-learn's
    /// `roc_auc_score(multi_class="ovr")` — the unweighted mean over classes
    /// of the binary AUC of "this class" against the rest.
    public static func oneVsRest(labels: [Int], results: [[Double]]) throws(Failure) -> Double {
        guard labels.count == results.count else { throw .lengthMismatch(labels: labels.count, scores: results.count) }
        guard let classes = results.first?.count, classes > 1, results.allSatisfy({ $0.count == classes }) else { throw .ragged }
        let probabilities = results.map { row -> [Double] in
            let total = row.reduce(0, +)
            return row.map { $0 / total }
        }
        var sum = 0.0
        for k in 0..<classes {
            guard labels.contains(k) else { throw .classWithoutSamples(k) }
            sum += try compute(labels: labels.map { $0 == k ? 1 : 0 }, scores: probabilities.map { $0[k] })
        }
        return sum / Double(classes)
    }
}

/// The "Top 1%" figure the MLCommons runner prints for anomaly detection: over
/// 100 thresholds evenly spaced from the lowest score up to (not including)
/// the highest, the best mean of precision and recall in percent, a file
/// counting as anomalous when its score is strictly above the threshold. It
/// is informational; the quality target is the AUC.
public enum AnomalyThresholdAccuracy {
    public static func mlcRunner(labels: [Int], scores: [Double]) -> Double {
        guard let lo = scores.min(), let hi = scores.max() else { return 0 }
        var best = 0.0
        for step in 0..<100 {
            let threshold = lo + Double(step) * 0.01 * (hi - lo)
            var tp = 0.0, fp = 0.0, fn = 0.0
            for (label, score) in zip(labels, scores) {
                let flagged = score > threshold
                if label == 1 { if flagged { tp += 1 } else { fn += 1 } } else if flagged { fp += 1 }
            }
            // The runner's 1e-8 keeps an empty denominator from dividing by zero.
            let precision = tp / (tp + fp + 1e-8), recall = tp / (tp + fn + 1e-8)
            best = max(best, 100 * (precision + recall) / 2)
        }
        return best
    }
}
