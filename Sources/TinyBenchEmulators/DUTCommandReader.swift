import TinyBench

/// How the reference firmware reads the host's bytes, shared by the emulated
/// DUTs: a command ends at `%` and keeps its first 80 characters (the
/// reference overwrites a slot past its buffer, then cuts the command off at
/// the terminator), and a TinyBench binary block header (`tb-db ...%`, when
/// the DUT takes blocks) makes every following byte data, `%` included, until
/// its payload and CRC are in.
struct DUTCommandReader {
    /// What a byte completed.
    enum Input {
        case command(String)
        case block(BinaryBlock.Header, text: String, data: [UInt8])
    }

    /// Whether `tb-db` headers start binary blocks.
    let binaryBlocks: Bool
    private var command = [UInt8]()
    private var block: (header: BinaryBlock.Header, text: String, data: [UInt8])?

    init(binaryBlocks: Bool) {
        self.binaryBlocks = binaryBlocks
    }

    /// Nothing held: no partial command, no block in progress.
    var isIdle: Bool { command.isEmpty && block == nil }

    /// Forgets a partial command or block (a reset).
    mutating func reset() {
        command.removeAll()
        block = nil
    }

    /// Takes one byte; returns the command or block it completes.
    mutating func feed(_ byte: UInt8) -> Input? {
        if block != nil {
            // Appended in place: a copy of the block would copy its data.
            block?.data.append(byte)
            guard let b = block, b.data.count == b.header.length + BinaryBlock.crcLength else { return nil }
            block = nil
            return .block(b.header, text: b.text, data: b.data)
        }
        if byte == UInt8(ascii: "%") {
            let line = String(decoding: command, as: UTF8.self)
            command.removeAll(keepingCapacity: true)
            guard binaryBlocks, let header = BinaryBlock.Header(command: line) else { return .command(line) }
            block = (header, line, [])
            block?.data.reserveCapacity(header.length + BinaryBlock.crcLength)
            return nil
        }
        if command.count < DUTInputBuffer.commandLimit { command.append(byte) }
        return nil
    }
}
