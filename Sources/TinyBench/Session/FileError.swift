import Foundation

/// A file or folder that could not be read or written, as one line: what was
/// being done, the path, and the system's reason, e.g.
/// `cannot write /mnt/s/kws/accuracy/log.txt: No space left on device`.
/// Foundation's error domains and codes never reach the user.
public struct FileError: Error, Equatable, CustomStringConvertible {
    /// What could not be done, e.g. "write", "read", "create the folder".
    public let action: String
    public let path: String
    /// The system's words for the cause (strerror), e.g. "Permission denied".
    public let reason: String

    public init(_ action: String, _ path: String, reason: String) {
        self.action = action
        self.path = path
        self.reason = reason
    }

    /// `error` (from Foundation or the system) while doing `action` on `path`.
    public init(_ action: String, _ path: String, _ error: Error) {
        self.init(action, path, reason: Self.reason(of: error))
    }

    public var description: String { "cannot \(action) \(path): \(reason)" }

    /// The system's reason for an I/O error: the POSIX error Foundation wraps
    /// (NSUnderlyingErrorKey), as strerror words.
    public static func reason(of error: Error) -> String {
        if let error = error as? FileError { return error.reason }
        if let error = error as? POSIXError { return text(error.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return text(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return reason(of: underlying) }
        // Foundation raised it without a system error underneath: its codes say enough for the common cases.
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return text(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return text(EACCES)
        case .fileWriteOutOfSpace: return text(ENOSPC)
        case .fileWriteVolumeReadOnly: return text(EROFS)
        case .fileWriteFileExists: return text(EEXIST)
        default: return "input/output error (code \(ns.code))"
        }
    }

    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// File operations of sessions, reports and datasets whose failures are
/// ``FileError``s naming the path.
public enum FileIO {
    /// Creates `url` and any missing parents; an existing folder is fine, an
    /// existing file in its place is not. (mkdir itself, not FileManager:
    /// its errno is the reason, where FileManager may report only a code.)
    public static func createDirectory(_ url: URL) throws(FileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FileError("create the folder", url.path, reason: "a file of that name exists") }
            return
        }
        if let code = makeDirectories(url.path) { throw FileError("create the folder", url.path, reason: FileError.text(code)) }
    }

    /// `mkdir -p`: nil when `path` is a folder afterwards, else the errno that stopped it.
    private static func makeDirectories(_ path: String) -> Int32? {
        if mkdir(path, 0o777) == 0 { return nil }
        let code = errno
        switch code {
        case EEXIST:
            // Created meanwhile (another run), or a file: only a folder will do.
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue ? nil : ENOTDIR
        case ENOENT:
            let parent = (path as NSString).deletingLastPathComponent
            guard !parent.isEmpty, parent != path else { return code }
            if let failed = makeDirectories(parent) { return failed }
            return mkdir(path, 0o777) == 0 || errno == EEXIST ? nil : errno
        default:
            return code
        }
    }

    /// Writes `data` to `url`, replacing what is there.
    public static func write(_ data: Data, to url: URL) throws(FileError) {
        let handle = try create(url)
        do {
            try handle.write(contentsOf: data)
            try handle.close()
        } catch {
            throw FileError("write", url.path, error)
        }
    }

    /// The contents of `url`.
    public static func read(_ url: URL) throws(FileError) -> Data {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("read", url.path, reason: FileError.text(errno)) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw FileError("read", url.path, error)
        }
    }

    /// `url` open for appending (created if missing).
    static func openForAppending(_ url: URL) throws(FileError) -> FileHandle {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("write", url.path, reason: FileError.text(errno)) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// An empty file at `url` (truncated if it exists), open for writing.
    /// (open itself, not Foundation, for the same reason as folders.)
    static func create(_ url: URL) throws(FileError) -> FileHandle {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("write", url.path, reason: FileError.text(errno)) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
