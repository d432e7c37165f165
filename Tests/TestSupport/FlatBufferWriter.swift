/// A minimal FlatBuffers writer for tests (models built in code, e.g. by
/// TinyRuntimeTests and the sww01 firmware tests): lays objects out front to back
/// (every offset points forward, as the format requires) and patches offsets
/// once the referenced object is written.
public final class FlatBufferWriter {
    /// A table field's value; `.object` writes its target after the table.
    public enum Field {
        case int8(Int8)
        case uint8(UInt8)
        case int32(Int32)
        case uint32(UInt32)
        case float(Float)
        case object(() -> Int)
    }

    public private(set) var bytes: [UInt8]

    /// Starts a buffer with a root offset placeholder and the file identifier.
    public init(identifier: String = "TFL3") {
        bytes = [0, 0, 0, 0] + Array(identifier.utf8.prefix(4))
    }

    /// Writes the root table and patches the root offset.
    public func finish(root: () -> Int) -> [UInt8] {
        let position = root()
        patch(at: 0, to: position)
        return bytes
    }

    private func align() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private func append<T: FixedWidthInteger>(_ v: T) {
        for i in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    private func patch(at site: Int, to target: Int) {
        let v = UInt32(target - site)
        for i in 0..<4 { bytes[site + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    /// A table with the given fields (by field id); returns its position.
    public func table(_ fields: [(Int, Field)]) -> Int {
        align()
        let slots = (fields.map(\.0).max() ?? -1) + 1
        // Every field takes 4 bytes in the table body for simplicity.
        let vtable = bytes.count
        append(UInt16(4 + 2 * slots))
        append(UInt16(4 + 4 * fields.count))
        var fieldOffset = [Int: Int]()
        for (i, f) in fields.enumerated() { fieldOffset[f.0] = 4 + 4 * i }
        for id in 0..<slots { append(UInt16(fieldOffset[id] ?? 0)) }
        align()
        let table = bytes.count
        append(Int32(table - vtable))
        var pending = [(Int, () -> Int)]()
        for (_, value) in fields {
            let site = bytes.count
            switch value {
            case .int8(let v): append(v); bytes += [0, 0, 0]
            case .uint8(let v): append(v); bytes += [0, 0, 0]
            case .int32(let v): append(v)
            case .uint32(let v): append(v)
            case .float(let v): append(v.bitPattern)
            case .object(let write): append(UInt32(0)); pending.append((site, write))
            }
        }
        for (site, write) in pending { patch(at: site, to: write()) }
        return table
    }

    public func int32Vector(_ values: [Int32]) -> Int {
        align()
        let at = bytes.count
        append(UInt32(values.count))
        for v in values { append(v) }
        return at
    }

    public func int64Vector(_ values: [Int64]) -> Int {
        align()
        let at = bytes.count
        append(UInt32(values.count))
        for v in values { append(v) }
        return at
    }

    public func floatVector(_ values: [Float]) -> Int {
        int32Vector(values.map { Int32(bitPattern: $0.bitPattern) })
    }

    public func byteVector(_ values: [UInt8]) -> Int {
        align()
        let at = bytes.count
        append(UInt32(values.count))
        bytes += values
        return at
    }

    public func string(_ s: String) -> Int {
        let at = byteVector(Array(s.utf8))
        bytes.append(0)
        return at
    }

    /// A vector of tables, each written by its closure after the offsets.
    public func tables(_ writers: [() -> Int]) -> Int {
        align()
        let at = bytes.count
        append(UInt32(writers.count))
        let sites = writers.indices.map { at + 4 + 4 * $0 }
        for _ in writers { append(UInt32(0)) }
        for (site, write) in zip(sites, writers) { patch(at: site, to: write()) }
        return at
    }
}
