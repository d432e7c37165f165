import Foundation

/// Binary input transfers (the negotiated `binary-db` extension, Docs/protocol.md).
extension DUTClient {
    /// Times one block is sent before the transfer fails (the first send and three resends).
    static let blockAttempts = 4

    /// Sends `bytes` as ``BinaryBlock``s, one at a time, each acknowledged
    /// (`m-ready`, with `m-load-done` after the last) before the next. When
    /// the DUT holds the previous input and `bytes` starts with its tail
    /// (consecutive AD windows), the first block slides it and only the new
    /// bytes travel. A block the DUT rejects for its CRC is resent as it is; a
    /// block that gets no reply within the line timeout, or any other reply, is
    /// followed by ``resynchroniseBinary()`` and the input is sent again whole.
    /// Returns the payload bytes delivered (a resent block counts once; the
    /// bytes of its damaged sends count as overhead). Logged as one line, e.g.
    /// `> load 2560 bytes: 2048 kept (slid by 512), 512 in 1 binary block`.
    func loadBinary(_ bytes: [UInt8], attempt: Int) throws(DUTError) -> Int {
        var blocks = Self.blocks(for: bytes, holding: held)
        held = nil
        var failures = 0, resent = 0
        var index = 0
        while index < blocks.count {
            let block = blocks[index]
            do throws(DUTError) {
                let lines = try exchange(block)
                logUnexpected(lines)
                if index == blocks.count - 1 && !lines.contains("m-load-done") {
                    throw .unexpected(command: block.header, "the DUT did not confirm m-load-done after \(bytes.count) bytes")
                }
                index += 1
            } catch {
                failures += 1
                guard failures < Self.blockAttempts, Self.isLinkFailure(error) else {
                    log?("> \(Self.describe(bytes, blocks, attempt: attempt)): failed at block \(index + 1) after \(resent) resends")
                    throw error
                }
                resent += 1
                switch error {
                case .deviceError(_, let message) where message.contains("CRC"):
                    // Nothing was stored: the same block again, after a `%` that
                    // clears a stray byte the damage may have left in the DUT's
                    // command buffer (its one reply, an error, is expected).
                    do {
                        _ = try exchange("", logged: false)
                    } catch .deviceError {
                    } catch {
                        try resynchroniseBinary()
                        blocks = Self.blocks(for: bytes, holding: nil)
                        index = 0
                    }
                    continue
                case .deviceError(_, let message) where message.contains("to slide"):
                    // The DUT no longer holds the previous input (it reset): send it whole.
                    blocks = Self.blocks(for: bytes, holding: nil)
                default:
                    try resynchroniseBinary()
                    blocks = Self.blocks(for: bytes, holding: nil)
                }
                index = 0
            }
        }
        held = bytes
        log?("> \(Self.describe(bytes, blocks, attempt: attempt))" + (resent > 0 ? ", \(resent) block(s) resent" : ""))
        return blocks.reduce(0) { $0 + $1.payload.count }
    }

    /// Brings a DUT that may be inside a binary block back to line mode:
    /// enough spaces to complete the longest block, a `%` that ends whatever
    /// command they started, then `tb-caps%`, whose reply marks the end of
    /// everything the DUT said before. The DUT is no longer known to hold an input.
    public func resynchroniseBinary() throws(DUTError) {
        held = nil
        reader.reset()
        let marker = ProtocolExtension.capabilities
        try send([UInt8](repeating: UInt8(ascii: " "), count: BinaryBlock.maxLength + BinaryBlock.crcLength)
                 + Array("%\(marker.rawValue)%".utf8))
        let deadline = ContinuousClock.now + .milliseconds(Int(timeouts.line * 1000))
        var sawMarker = false
        while ContinuousClock.now < deadline {
            if let signal = interruption?.signal { throw .interrupted(command: marker.rawValue, signal: signal) }
            for line in reader.feed(try receive(timeout: .milliseconds(100))) {
                log?("< \(line)")
                if line.hasPrefix(marker.replyPrefix) { sawMarker = true }
                if sawMarker && line == "m-ready" { return }
            }
        }
        throw .timeout(command: marker.rawValue, seconds: timeouts.line, lastLine: nil)
    }

    /// The blocks for `bytes`: a slide of `holding` when `bytes` begins with
    /// its tail, else the whole input, in blocks of at most ``BinaryBlock/maxLength``.
    static func blocks(for bytes: [UInt8], holding: [UInt8]?) -> [BinaryBlock] {
        let shift = holding.flatMap { slide(from: $0, to: bytes) } ?? 0
        let start = shift > 0 ? bytes.count - shift : 0
        return stride(from: start, to: bytes.count, by: BinaryBlock.maxLength).map { offset in
            BinaryBlock(size: bytes.count, offset: offset, shift: offset == start ? shift : 0,
                        payload: Array(bytes[offset..<min(offset + BinaryBlock.maxLength, bytes.count)]))
        }
    }

    /// The smallest shift s (0 < s < count) with `new[0..<count-s] == old[s...]`, when it saves at least half the bytes.
    static func slide(from old: [UInt8], to new: [UInt8]) -> Int? {
        guard old.count == new.count, new.count >= 2, old != new else { return nil }
        let count = new.count
        let last = count / 2
        return old.withUnsafeBufferPointer { o in
            new.withUnsafeBufferPointer { n in
                guard let oldBase = o.baseAddress, let newBase = n.baseAddress else { return nil }
                // Each candidate shift is where old holds new's first byte (found by memchr), tried in turn.
                var s = 1
                while s <= last, let found = memchr(oldBase + s, Int32(n[0]), last - s + 1) {
                    s = oldBase.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    if memcmp(oldBase + s, newBase, count - s) == 0 { return s }
                    s += 1
                }
                return nil
            }
        }
    }

    /// Failures worth another block: the link's (a timeout, garbage, a CRC
    /// mismatch, a lost slide); not a closed port or a stop request.
    private static func isLinkFailure(_ error: DUTError) -> Bool {
        switch error {
        case .transport, .interrupted: false
        default: true
        }
    }

    private static func describe(_ bytes: [UInt8], _ blocks: [BinaryBlock], attempt: Int) -> String {
        let sent = blocks.reduce(0) { $0 + $1.payload.count }
        let kept = bytes.count - sent
        let what = "\(blocks.count) binary block\(blocks.count == 1 ? "" : "s")"
        return "load \(bytes.count) bytes" + (attempt > 1 ? " (attempt \(attempt))" : "")
            + (kept > 0 ? ": \(kept) kept (slid by \(blocks.first?.shift ?? 0)), \(sent) in \(what)" : " in \(what)")
    }
}
