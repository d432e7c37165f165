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

        public var description: String {
            switch self {
            case let .lengthMismatch(l, s): "AUC needs one score per label (\(l) labels, \(s) scores)"
            case .oneClassOnly(let c): "AUC is undefined when only class \(c) is present"
            case .notBinary(let c): "AUC labels must be 0 or 1, found \(c)"
            case .notFinite: "AUC scores must be finite numbers"
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
}
