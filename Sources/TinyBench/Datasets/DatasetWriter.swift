import Foundation

/// Writes a dataset in the EEMBC layout that `Dataset` reads: one `.bin` per
/// sample in `<root>/<benchmark's dataset folder>/` (its id; ic01 for ic02), and `y_labels.csv` (rows in the order
/// samples were added) when `finish()` is called. Used by the dataset
/// converters and the demo-data generator, so every producer writes the same
/// format and the reader's checks hold by construction.
public struct DatasetWriter {
    public let benchmark: Benchmark
    /// The folder receiving `y_labels.csv` and the `.bin` files.
    public let directory: URL
    private var rows: [String] = []
    private var names: Set<String> = []

    /// Creates `<root>/<dataset folder>/`. Refuses a folder that already holds a
    /// `y_labels.csv`, so an earlier dataset is never mixed with a new one.
    public init(root: URL, benchmark: Benchmark) throws(DatasetWriterError) {
        self.benchmark = benchmark
        directory = root.appendingPathComponent(benchmark.datasetFolder)
        let labels = directory.appendingPathComponent("y_labels.csv").path
        if FileManager.default.fileExists(atPath: labels) { throw .alreadyExists(labels) }
        do throws(FileError) {
            try FileIO.createDirectory(directory)
        } catch {
            throw .io(directory.path, error.reason)
        }
    }

    /// Number of samples written so far.
    public var count: Int { rows.count }

    /// Writes one sample file; `file` is a plain name ending in `.bin`.
    public mutating func add(file: String, label: Int, bytes: [UInt8]) throws(DatasetWriterError) {
        guard file.hasSuffix(".bin"), !file.contains("/"), !file.contains(","), file.count > 4 else {
            throw .badName(file)
        }
        guard bytes.count == benchmark.fileBytes else {
            throw .wrongSize(file: file, expected: benchmark.fileBytes, actual: bytes.count)
        }
        guard label >= 0, label < benchmark.classes else { throw .badLabel(file: file, label: label, classes: benchmark.classes) }
        guard names.insert(file).inserted else { throw .duplicate(file) }
        let path = directory.appendingPathComponent(file)
        do {
            try Data(bytes).write(to: path)
        } catch {
            throw .io(path.path, FileError.reason(of: error))
        }
        var row = "\(file),\(benchmark.classes),\(label)"
        if let stride = benchmark.windowStride { row += ",\(benchmark.inputBytes),\(stride)" }
        rows.append(row)
    }

    /// Writes `y_labels.csv` (atomically, so a reader never sees half of it).
    @discardableResult
    public func finish() throws(DatasetWriterError) -> URL {
        guard !rows.isEmpty else { throw .empty(directory.path) }
        let labels = directory.appendingPathComponent("y_labels.csv")
        do {
            try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: labels, options: .atomic)
        } catch {
            throw .io(labels.path, FileError.reason(of: error))
        }
        return labels
    }
}

/// Why a dataset could not be written.
public enum DatasetWriterError: Error, Equatable, CustomStringConvertible {
    case alreadyExists(String)
    case badName(String)
    case wrongSize(file: String, expected: Int, actual: Int)
    case badLabel(file: String, label: Int, classes: Int)
    case duplicate(String)
    case empty(String)
    case io(String, String)

    public var description: String {
        switch self {
        case .alreadyExists(let p): "\(p) already exists; choose an empty output folder"
        case .badName(let f): "'\(f)' is not a plain .bin file name"
        case let .wrongSize(f, e, a): "sample \(f) has \(a) bytes, expected \(e)"
        case let .badLabel(f, l, c): "sample \(f) has label \(l), not a class index in 0..<\(c)"
        case .duplicate(let f): "sample \(f) is written twice"
        case .empty(let p): "no samples were written to \(p)"
        case let .io(p, why): "cannot write \(p): \(why)"
        }
    }
}
