/// A bounds-checked, read-only view of a FlatBuffers binary.
///
/// Only the parts of the FlatBuffers wire format that the TFLite schema uses are
/// supported: tables with vtables, scalar fields, offsets to tables, strings and
/// vectors of scalars or tables. Every read checks its range against the buffer
/// and throws ``ModelError/malformed(_:)`` naming the offset, so a corrupted or
/// truncated model can never read out of bounds.
struct FlatBuffer {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var count: Int { bytes.count }

    /// Throws unless `[offset, offset + size)` lies inside the buffer.
    func check(_ offset: Int, _ size: Int, _ what: @autoclosure () -> String) throws(ModelError) {
        guard offset >= 0, size >= 0, offset <= bytes.count, size <= bytes.count - offset else {
            throw .malformed("\(what()) at byte \(offset) (+\(size)) lies outside the \(bytes.count)-byte model")
        }
    }

    func read<T: FixedWidthInteger>(_: T.Type, at offset: Int, _ what: @autoclosure () -> String) throws(ModelError) -> T {
        try check(offset, MemoryLayout<T>.size, what())
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size {
            value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i)
        }
        return value
    }

    /// Follows the unsigned 32-bit offset stored at `offset`.
    func indirect(at offset: Int, _ what: @autoclosure () -> String) throws(ModelError) -> Int {
        let relative = try read(UInt32.self, at: offset, what())
        let target = offset + Int(relative)
        try check(target, 0, what())
        return target
    }

    /// The root table of the buffer.
    func root() throws(ModelError) -> FlatTable {
        let position = try indirect(at: 0, "root table offset")
        return try FlatTable(buffer: self, position: position, name: "root table")
    }
}

/// One table inside a ``FlatBuffer``: field lookup goes through its vtable.
struct FlatTable {
    let buffer: FlatBuffer
    let position: Int
    let name: String
    private let vtable: Int
    private let vtableSize: Int

    init(buffer: FlatBuffer, position: Int, name: String) throws(ModelError) {
        self.buffer = buffer
        self.position = position
        self.name = name
        let soffset = try buffer.read(Int32.self, at: position, "\(name) vtable offset")
        let vt = position - Int(soffset)
        let size = Int(try buffer.read(UInt16.self, at: vt, "\(name) vtable"))
        guard size >= 4, size % 2 == 0 else {
            throw .malformed("\(name) has a vtable of \(size) bytes at byte \(vt)")
        }
        try buffer.check(vt, size, "\(name) vtable")
        let tableSize = Int(try buffer.read(UInt16.self, at: vt + 2, "\(name) vtable"))
        try buffer.check(position, tableSize, "\(name) table")
        vtable = vt
        vtableSize = size
    }

    /// Absolute position of field `id`, or nil when the field is absent.
    func fieldPosition(_ id: Int) throws(ModelError) -> Int? {
        let slot = 4 + 2 * id
        guard slot + 2 <= vtableSize else { return nil }
        let relative = Int(try buffer.read(UInt16.self, at: vtable + slot, "\(name) vtable"))
        return relative == 0 ? nil : position + relative
    }

    func scalar<T: FixedWidthInteger>(_ id: Int, default value: T) throws(ModelError) -> T {
        guard let p = try fieldPosition(id) else { return value }
        return try buffer.read(T.self, at: p, "\(name) field \(id)")
    }

    func float(_ id: Int, default value: Float) throws(ModelError) -> Float {
        guard let p = try fieldPosition(id) else { return value }
        return Float(bitPattern: try buffer.read(UInt32.self, at: p, "\(name) field \(id)"))
    }

    func bool(_ id: Int, default value: Bool) throws(ModelError) -> Bool {
        try scalar(id, default: UInt8(value ? 1 : 0)) != 0
    }

    func table(_ id: Int, name child: String) throws(ModelError) -> FlatTable? {
        guard let p = try fieldPosition(id) else { return nil }
        let target = try buffer.indirect(at: p, "\(name).\(child) offset")
        return try FlatTable(buffer: buffer, position: target, name: child)
    }

    func string(_ id: Int) throws(ModelError) -> String? {
        guard let range = try vectorRange(id, elementSize: 1, what: "string") else { return nil }
        return String(decoding: buffer.bytes[range], as: UTF8.self)
    }

    /// Byte range of a vector's elements, checked against the buffer.
    func vectorRange(_ id: Int, elementSize: Int, what: String) throws(ModelError) -> Range<Int>? {
        guard let p = try fieldPosition(id) else { return nil }
        let start = try buffer.indirect(at: p, "\(name) \(what) offset")
        let count = Int(try buffer.read(UInt32.self, at: start, "\(name) \(what) length"))
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw .malformed("\(name) \(what) claims \(count) elements") }
        try buffer.check(start + 4, bytes, "\(name) \(what) of \(count) elements")
        return (start + 4)..<(start + 4 + bytes)
    }

    func vector<T: FixedWidthInteger>(_ id: Int, of _: T.Type, what: String) throws(ModelError) -> [T]? {
        let size = MemoryLayout<T>.size
        guard let range = try vectorRange(id, elementSize: size, what: what) else { return nil }
        var out = [T]()
        out.reserveCapacity(range.count / size)
        var p = range.lowerBound
        while p < range.upperBound {
            out.append(try buffer.read(T.self, at: p, what))
            p += size
        }
        return out
    }

    func floatVector(_ id: Int, what: String) throws(ModelError) -> [Float]? {
        try vector(id, of: UInt32.self, what: what)?.map { Float(bitPattern: $0) }
    }

    /// The tables of a vector of tables, each named `what[i]`.
    func tables(_ id: Int, what: String) throws(ModelError) -> [FlatTable] {
        guard let range = try vectorRange(id, elementSize: 4, what: what) else { return [] }
        var out = [FlatTable]()
        out.reserveCapacity(range.count / 4)
        var index = 0
        var p = range.lowerBound
        while p < range.upperBound {
            let target = try buffer.indirect(at: p, "\(what)[\(index)] offset")
            out.append(try FlatTable(buffer: buffer, position: target, name: "\(what)[\(index)]"))
            p += 4
            index += 1
        }
        return out
    }
}
