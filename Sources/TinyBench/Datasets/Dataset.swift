import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// A benchmark dataset in the EEMBC layout: `<root>/<benchmark id>/y_labels.csv`
/// listing `file,classes,label` (ad01 adds `window_bytes,stride_bytes`), no
/// header, and one `.bin` file per row next to it. Samples are read lazily.
public struct Dataset: Sendable {
    /// One row of `y_labels.csv`.
    public struct Entry: Sendable, Equatable {
        public let file: String
        public let label: Int
        /// 1-based line in `y_labels.csv`, for error messages.
        public let line: Int
    }

    public let benchmark: Benchmark
    /// The folder holding `y_labels.csv` and the `.bin` files.
    public let directory: URL
    public let entries: [Entry]

    /// The name of the labels file in ``directory``.
    public let labelsFile: String
    /// ``directory``'s path ending in `/`: a sample's path is it and the file
    /// name (which holds no `/`), without a URL built per sample.
    private let folderPath: String

    /// Reads and checks the labels file and that every listed file exists with
    /// the benchmark's size; the sample bytes themselves are read on demand.
    public init(root: URL, benchmark: Benchmark, layout: DatasetLayout = DatasetLayout()) throws(DatasetError) {
        self.benchmark = benchmark
        directory = root.appendingPathComponent(layout.folder ?? benchmark.datasetFolder)
        labelsFile = layout.labels
        folderPath = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(directory.path)
        }
        let labels = directory.appendingPathComponent(labelsFile)
        guard let data = FileManager.default.contents(atPath: labels.path) else { throw .missingLabels(labels.path) }
        guard let text = String(data: data, encoding: .utf8) else { throw .badRow(file: labels.path, line: 1, "not UTF-8 text") }
        entries = try Self.parse(text, path: labels.path, benchmark: benchmark)
        for e in entries {
            let path = folderPath + e.file
            guard let size = SampleFile.size(path) else { throw .missingSample(path: path, line: e.line) }
            guard size == benchmark.fileBytes else {
                throw .wrongSize(path: path, expected: benchmark.fileBytes, actual: size)
            }
        }
    }

    static func parse(_ text: String, path: String, benchmark: Benchmark) throws(DatasetError) -> [Entry] {
        var entries = [Entry]()
        var seen = Set<String>()
        let expectedColumns = benchmark.windowStride == nil ? 3 : 5
        for (i, raw) in lines(text).enumerated() {
            let line = trimmed(raw)
            if line.isEmpty { continue }
            let columns = line.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { trimmed(Substring($0)) }
            func bad(_ why: String) -> DatasetError { .badRow(file: path, line: i + 1, why) }
            guard columns.count == expectedColumns else {
                throw bad("expected \(expectedColumns) columns (file,classes,label\(expectedColumns == 5 ? ",window_bytes,stride_bytes" : "")), found \(columns.count)")
            }
            let file = columns[0]
            guard !file.isEmpty, !file.utf8.contains(UInt8(ascii: "/")), file != "..", file != "." else { throw bad("bad file name '\(file)'") }
            guard let classes = Int(columns[1]), classes == benchmark.classes else {
                throw bad("class count '\(columns[1])' is not \(benchmark.classes) as \(benchmark.id) requires")
            }
            guard let label = Int(columns[2]), label >= 0, label < classes else {
                throw bad("label '\(columns[2])' is not a class index in 0..<\(classes)")
            }
            if let stride = benchmark.windowStride {
                guard Int(columns[3]) == benchmark.inputBytes, Int(columns[4]) == stride else {
                    throw bad("window \(columns[3])/stride \(columns[4]) differ from \(benchmark.id)'s \(benchmark.inputBytes)/\(stride)")
                }
            }
            guard seen.insert(file).inserted else { throw bad("file '\(file)' is listed twice") }
            entries.append(Entry(file: file, label: label, line: i + 1))
        }
        guard !entries.isEmpty else { throw .empty(path) }
        return entries
    }

    /// The lines of `text`, split at LF, CR LF or a lone CR, on its UTF-8
    /// bytes: splitting at `isNewline` walks grapheme clusters, the slow part
    /// of reading a thousand-line labels file. (`isNewline`'s rarer breaks,
    /// such as U+2028, are not ones a labels file uses.)
    static func lines(_ text: String) -> [Substring] {
        var lines = [Substring]()
        for piece in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = piece
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            for part in line.split(separator: UInt8(ascii: "\r"), omittingEmptySubsequences: false) { lines.append(Substring(part)) }
        }
        return lines
    }

    /// `text` without the spaces and tabs around it; as it is (without
    /// Foundation's trimming, the slow part of reading a long labels file)
    /// when it starts and ends with an ASCII byte that is not one.
    private static func trimmed(_ text: Substring) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return "" }
        func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") }
        if plain(first) && plain(last) { return String(text) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The bytes of entry `index`, re-checked (the file may change during a long run).
    public func sample(_ index: Int) throws(DatasetError) -> [UInt8] {
        let path = folderPath + entries[index].file
        switch SampleFile.read(path, bytes: benchmark.fileBytes) {
        case .bytes(let bytes): return bytes
        case .unreadable: throw .missingSample(path: path, line: entries[index].line)
        case .size(let actual): throw .wrongSize(path: path, expected: benchmark.fileBytes, actual: actual)
        }
    }

    /// SHA-256 over the labels file and every sample file in order: identifies the data in results.
    public func checksum() throws(DatasetError) -> String {
        var hasher = SHA256()
        let labels = directory.appendingPathComponent(labelsFile).path
        guard let data = FileManager.default.contents(atPath: labels) else { throw .missingLabels(labels) }
        hasher.update(data: data)
        for i in entries.indices { hasher.update(data: try sample(i)) }
        return hasher.finalize().hex
    }
}

/// Sample files through open, fstat and read: Foundation's `attributesOfItem`
/// and `contents(atPath:)` cost several microseconds a file (an attribute
/// dictionary, the owner's name, a `Data` copied again), which a real-size
/// accuracy run pays twice for each of its thousand files.
enum SampleFile {
    enum Read: Equatable {
        case bytes([UInt8])
        /// Missing, a folder, or not readable.
        case unreadable
        /// The file's size is not the expected one.
        case size(Int)
    }

    /// The size of the file at `path`; nil when there is none.
    static func size(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int(status.st_size)
    }

    /// The file at `path` when it holds exactly `count` bytes.
    static func read(_ path: String, bytes count: Int) -> Read {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .unreadable }
        guard Int(status.st_size) == count else { return .size(Int(status.st_size)) }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < count {
                let n = Glibc.read(fd, base + initialized, count - initialized)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failed = n < 0; break }
                initialized += n
            }
        }
        if failed { return .unreadable }
        // Shorter than fstat said: truncated while it was read.
        return bytes.count == count ? .bytes(bytes) : .size(bytes.count)
    }
}

/// Where a benchmark's files are under a dataset root: `<root>/<folder>/<labels>`,
/// by default `<root>/<benchmark's dataset folder>/y_labels.csv` (its id, or
/// ic01 for ic02; the MLCommons runner's tests YAML may name another folder
/// and truth file).
public struct DatasetLayout: Sendable, Equatable, Codable {
    /// The folder under the root; nil: the benchmark's ``Benchmark/datasetFolder``.
    public var folder: String?
    public var labels: String

    public init(folder: String? = nil, labels: String = "y_labels.csv") {
        self.folder = folder
        self.labels = labels
    }
}

/// What is wrong with a dataset, with the file (and line) to look at.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case missingDirectory(String)
    case missingLabels(String)
    case badRow(file: String, line: Int, String)
    case empty(String)
    case missingSample(path: String, line: Int)
    case wrongSize(path: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .missingDirectory(let p): "dataset folder \(p) does not exist"
        case .missingLabels(let p): "dataset labels \(p) are missing"
        case let .badRow(f, l, why): "\(f):\(l): \(why)"
        case .empty(let p): "\(p) lists no samples"
        case let .missingSample(p, l): "sample \(p) (listed on line \(l) of y_labels.csv) is missing"
        case let .wrongSize(p, e, a): "sample \(p) has \(a) bytes, expected \(e)"
        }
    }
}
