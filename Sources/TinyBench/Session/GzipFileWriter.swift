import CZlib
import Foundation

/// A gzip file written as it goes, by zlib, as a series of complete gzip
/// members (RFC 1952 allows several in one file; gzip, zcat and zlib read
/// them as one stream). Compressed bytes stay in memory only until their
/// member is complete, then go to the file whole, so the file is a valid
/// gzip at every moment: a run that dies loses the member in progress (at
/// most ``memberInputBytes`` of input or ``memberSeconds`` of time), never
/// the file. Not thread-safe: callers serialise their writes.
final class GzipFileWriter {
    /// Input per member: large enough that the per-member header and the
    /// restarted dictionary cost nothing measurable, small enough to bound memory.
    static let memberInputBytes = 1 << 20
    /// A member is also completed once it is this old when more input comes,
    /// so a slow link's trace reaches the disk soon.
    static let memberSeconds = 1.0

    let url: URL
    private let handle: FileHandle
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    /// Compressed bytes of the member in progress.
    private var member = [UInt8]()
    private var memberInput = 0
    private var memberStarted = ContinuousClock.now
    private var closed = false

    /// Creates (or empties) the file at `url`; with `append`, writes after what it holds.
    init(url: URL, level: Int32 = Z_DEFAULT_COMPRESSION, append: Bool = false) throws {
        self.url = url
        handle = try append ? FileIO.openForAppending(url) : FileIO.create(url)
        stream = .allocate(capacity: 1)
        // zlib keeps a pointer to the stream, so it lives at one address (allocated, not a stored struct).
        stream.initialize(to: z_stream())
        let status = tb_deflate_init_gzip(stream, level)
        guard status == Z_OK else {
            // deinit still runs (every property is set): it must find nothing left to end.
            closed = true
            stream.deallocate()
            throw GzipError("zlib could not start compressing \(url.path) (status \(status))")
        }
    }

    /// Compresses `bytes` into the member in progress, and completes the
    /// member when it is large or old enough.
    func write(_ bytes: [UInt8]) throws {
        guard !closed else { throw GzipError("\(url.path) is already closed") }
        guard !bytes.isEmpty else { return }
        if memberInput == 0 { memberStarted = .now }
        try deflate(bytes, flush: Z_NO_FLUSH)
        memberInput += bytes.count
        if memberInput >= Self.memberInputBytes || ContinuousClock.now - memberStarted >= .seconds(Self.memberSeconds) {
            try finishMember()
        }
    }

    /// Completes the member in progress and writes it to the file.
    func finishMember() throws {
        guard memberInput > 0 else { return }
        try deflate([], flush: Z_FINISH)
        try handle.write(contentsOf: member)
        member.removeAll(keepingCapacity: true)
        memberInput = 0
        guard deflateReset(stream) == Z_OK else { throw GzipError("zlib could not start a new member of \(url.path)") }
    }

    /// Writes what is pending and closes the file; further writes fail.
    func close() throws {
        guard !closed else { return }
        closed = true
        defer {
            deflateEnd(stream)
            stream.deallocate()
            try? handle.close()
        }
        try finishMember()
    }

    deinit { try? close() }

    /// One deflate call over all of `input`, the output appended to `member`.
    private func deflate(_ input: [UInt8], flush: Int32) throws {
        try input.withUnsafeBufferPointer { inBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.pointee.avail_in = UInt32(inBuffer.count)
            var status: Int32
            repeat {
                let capacity = output.count
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(capacity)
                    return CZlib.deflate(stream, flush)
                }
                // Z_BUF_ERROR only says no progress was possible, which the loop condition handles.
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw GzipError("zlib failed compressing \(url.path) (status \(status))")
                }
                member += output[0..<(capacity - Int(stream.pointee.avail_out))]
            } while stream.pointee.avail_out == 0
            if flush == Z_FINISH && status != Z_STREAM_END {
                throw GzipError("zlib did not complete a member of \(url.path) (status \(status))")
            }
        }
    }
}

/// A failure writing a gzip file, naming the file.
struct GzipError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
