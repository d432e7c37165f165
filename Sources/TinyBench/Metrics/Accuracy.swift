/// Top-1 accuracy with per-class accuracy and a confusion matrix.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// `confusion[label][predicted]` counts.
    public let confusion: [[Int]]
    public let total: Int
    public let correct: Int

    public var top1: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Accuracy of each true class, nil for classes without samples.
    public var perClass: [Double?] {
        confusion.enumerated().map { label, row in
            let n = row.reduce(0, +)
            return n == 0 ? nil : Double(row[label]) / Double(n)
        }
    }

    /// `pairs` of (label, predicted class), both in 0..<classes.
    public init(classes: Int, pairs: [(label: Int, predicted: Int)]) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for p in pairs where p.label >= 0 && p.label < classes && p.predicted >= 0 && p.predicted < classes {
            confusion[p.label][p.predicted] += 1
        }
        self.confusion = confusion
        total = pairs.count
        correct = pairs.filter { $0.label == $0.predicted }.count
    }

    /// Index of the largest value; the first on ties, like numpy's argmax.
    public static func argmax(_ values: [Double]) -> Int? {
        guard var best = values.indices.first else { return nil }
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
