import Foundation

/// A CIFAR-10 batch in either published form: the binary version
/// (`test_batch.bin`: records of 1 label byte and 1024 R, 1024 G, 1024 B
/// bytes) or the Python version (`test_batch`, a pickled dict with `data`,
/// `labels` and `filenames`; only the Python version carries the original
/// file names the MLPerf ic01 list uses).
struct CIFAR10Batch {
    static let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    var labels: [Int]
    /// N × 3072 bytes, each image as its R, G and B planes.
    var planes: [UInt8]
    /// Original names (`emu_s_002009.png`), from the Python version only.
    var fileNames: [String]?

    /// `source`: a batch file, or a folder holding `test_batch.bin` or `test_batch`.
    init(source: URL) throws(PreparationError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else { throw .unreadable(source.path) }
        var file = source
        if isDirectory.boolValue {
            let binary = source.appendingPathComponent("test_batch.bin"), python = source.appendingPathComponent("test_batch")
            guard let found = [binary, python].first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw .badSource(source.path, "neither test_batch.bin (binary version) nor test_batch (Python version) is there")
            }
            file = found
        }
        guard let data = FileManager.default.contents(atPath: file.path) else { throw .unreadable(file.path) }
        let bytes = [UInt8](data)
        if bytes.first == 0x80 || bytes.first == UInt8(ascii: "(") {
            try self.init(pickle: bytes, name: file.path)
        } else {
            try self.init(binary: bytes, name: file.path)
        }
    }

    init(binary bytes: [UInt8], name: String) throws(PreparationError) {
        guard !bytes.isEmpty, bytes.count % 3073 == 0 else {
            throw .badSource(name, "\(bytes.count) bytes is not a whole number of 3073-byte CIFAR-10 records")
        }
        let n = bytes.count / 3073
        labels = (0..<n).map { Int(bytes[$0 * 3073]) }
        planes = []
        planes.reserveCapacity(n * 3072)
        for r in 0..<n { planes += bytes[(r * 3073 + 1)..<((r + 1) * 3073)] }
        fileNames = nil
        if let bad = labels.firstIndex(where: { $0 >= 10 }) { throw .badSource(name, "record \(bad) has label \(labels[bad])") }
    }

    init(pickle bytes: [UInt8], name: String) throws(PreparationError) {
        let values = try PickleScanner.values(bytes, name: name)
        var labels = [Int](), names = [String]()
        var key = ""
        var strings = [[UInt8]]()
        for value in values {
            switch value {
            case .string(let s):
                if ["labels", "filenames", "data", "batch_label"].contains(String(decoding: s, as: UTF8.self)) {
                    key = String(decoding: s, as: UTF8.self)
                } else if key == "filenames" {
                    names.append(String(decoding: s, as: UTF8.self))
                } else {
                    strings.append(s)
                }
            case .int(let v):
                if key == "labels" { labels.append(v) }
            }
        }
        guard !labels.isEmpty, let data = strings.first(where: { $0.count == labels.count * 3072 }) else {
            throw .badSource(name, "not a CIFAR-10 Python batch (no labels, or no \(labels.count) × 3072-byte data)")
        }
        guard names.count == labels.count else { throw .badSource(name, "\(names.count) file names for \(labels.count) labels") }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= 10 }) { throw .badSource(name, "image \(bad) has label \(labels[bad])") }
        self.labels = labels
        planes = data
        fileNames = names
    }

    /// Image `i` as 32×32 interleaved RGB.
    func interleaved(_ i: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: 3072)
        let base = i * 3072
        for p in 0..<1024 {
            for c in 0..<3 { rgb[3 * p + c] = planes[base + 1024 * c + p] }
        }
        return rgb
    }

    /// The EEMBC file name: the original name with `.bin`, else `<class>_<index>.bin`.
    func fileName(_ i: Int) -> String {
        if let names = fileNames { return (names[i] as NSString).deletingPathExtension + ".bin" }
        return "\(Self.classes[labels[i]])_\(String(format: "%05d", i)).bin"
    }
}
