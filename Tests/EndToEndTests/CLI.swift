import Foundation
import Testing
import TestSupport

/// Runs the built `tinybench` binary (next to the test bundle in the build folder).
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: URL = {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("tinybench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return bundleDir.appendingPathComponent("tinybench")
    }()

    /// Runs the CLI to completion, output captured in temporary files.
    /// (posix_spawn and waitpid directly: Foundation's Process on Linux can
    /// miss a child's exit while another child it started is still running.)
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        try runTool(binary.path, arguments, environment: environment, directory: directory)
    }

    /// Runs any program (found on PATH when not a path) to completion, with
    /// `input` as its standard input, in `directory` or else in a new
    /// temporary folder removed afterwards: nothing a test runs may write
    /// into the working tree (a run without `--output` makes `sessions/`).
    static func runTool(_ executable: String, _ arguments: [String], input: String? = nil,
                        environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)").path
        if let input { try Data(input.utf8).write(to: URL(fileURLWithPath: base + ".stdin")) }
        defer { unlink(base + ".stdin") }
        let cwd = try directory ?? makeWorkingDirectory()
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: cwd) } }
        let pid = try spawn(arguments, executable: executable, stdinPath: input == nil ? "/dev/null" : base + ".stdin",
                            stdoutPath: base + ".stdout", stderrPath: base + ".stderr", environment: environment, directory: cwd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        defer {
            unlink(base + ".stdout")
            unlink(base + ".stderr")
        }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus,
                      stdout: (try? String(contentsOfFile: base + ".stdout", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: base + ".stderr", encoding: .utf8)) ?? "")
    }

    /// A background CLI process whose first line of standard output is returned
    /// once it appears (within `timeout` seconds); stop it with ``stop(_:)``.
    static func start(_ arguments: [String], timeout: Double = 20) throws -> (pid: pid_t, firstLine: String) {
        let (pid, lines) = try start(arguments, lines: 1, timeout: timeout)
        return (pid, lines[0])
    }

    /// A background CLI process (or another program, found on PATH when not a
    /// path) and its first `count` lines of standard output.
    static func start(_ arguments: [String], lines count: Int, timeout: Double = 20,
                      executable: String = binary.path) throws -> (pid: pid_t, lines: [String]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure("pipe failed") }
        let cwd = try makeWorkingDirectory()
        let pid: pid_t
        do {
            pid = try spawn(arguments, executable: executable, stdoutDescriptor: fds[1], stderrPath: "/dev/null", directory: cwd)
        } catch {
            close(fds[0])
            close(fds[1])
            try? FileManager.default.removeItem(atPath: cwd)
            throw error
        }
        Background.add(pid, cwd)
        close(fds[1])
        defer { close(fds[0]) }
        var line = [UInt8]()
        let deadline = Date().addingTimeInterval(timeout)
        while line.filter({ $0 == 10 }).count < count && Date() < deadline {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fds[0], &byte, 1) == 1 else { break }
            line.append(byte)
        }
        guard line.filter({ $0 == 10 }).count >= count else {
            stop(pid)
            throw Failure("\(arguments.joined(separator: " ")) printed fewer than \(count) line(s): '\(String(decoding: line, as: UTF8.self))'")
        }
        return (pid, String(decoding: line, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// A background CLI process writing its output to files; see ``wait(_:)``.
    static func launch(_ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        let cwd = try makeWorkingDirectory()
        let pid = try spawn(arguments, stdoutPath: stdout, stderrPath: stderr, directory: cwd)
        Background.add(pid, cwd)
        return pid
    }

    /// The exit status of a launched process (128 + signal when a signal ended it).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        Background.remove(pid)
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// SIGTERM, then SIGKILL if the process is still there after two seconds.
    static func stop(_ pid: pid_t) {
        defer { Background.remove(pid) }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<20 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// A new empty temporary folder, the working directory of one child.
    static func makeWorkingDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// The working folders of background children, removed when they are stopped or waited for.
    private enum Background {
        nonisolated(unsafe) private static var folders = [pid_t: String]()
        private static let lock = NSLock()

        static func add(_ pid: pid_t, _ folder: String) { lock.withLock { folders[pid] = folder } }

        static func remove(_ pid: pid_t) {
            if let folder = lock.withLock({ folders.removeValue(forKey: pid) }) {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
    }

    /// Opens a terminal (a pseudo-terminal's device side) in raw mode: bytes as they are, no echo.
    static func openRaw(_ path: String, flags: Int32 = O_RDWR | O_NOCTTY | O_CLOEXEC) throws -> Int32 {
        let fd = open(path, flags)
        guard fd >= 0 else { throw Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        var t = termios()
        tcgetattr(fd, &t)
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
        return fd
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private static func spawn(_ arguments: [String], executable: String = binary.path, stdinPath: String = "/dev/null",
                              stdoutPath: String? = nil, stdoutDescriptor: Int32? = nil,
                              stderrPath: String, environment: [String: String] = [:], directory: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        if let fd = stdoutDescriptor {
            posix_spawn_file_actions_adddup2(&actions, fd, 1)
        } else if let path = stdoutPath {
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Started in `directory` by a shell that replaces itself with the
        // program (same process id); glibc's posix_spawn_file_actions_addchdir_np
        // is not visible to Swift.
        let command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The test runner's threads block some signals; a child must not
        // inherit that mask, or SIGTERM would never stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var merged = ProcessInfo.processInfo.environment
        merged["XDG_DATA_HOME"] = dataHome
        merged.merge(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard rc == 0 else { throw Failure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The data folder of every program the tests start (the run history
    /// goes there, never into the user's ~/.local/share): one per test
    /// process, removed when it exits.
    static let dataHome: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-data-\(getpid())").path
        atexit { try? FileManager.default.removeItem(atPath: CLI.dataHome) }
        return path
    }()

    static var conformance: URL? { SharedData.conformance }
    static let skipReason = Comment(rawValue: SharedData.skipReason)

    static func model(_ name: String) -> String { SharedData.modelPath(name) }

    /// Runs `body` with a temporary file holding `bytes`, removed afterwards.
    static func withTemporaryFile<R>(_ bytes: [UInt8], name: String, _ body: (String) throws -> R) throws -> R {
        let path = try temporaryFile(bytes, name: name)
        defer { unlink(path) }
        return try body(path)
    }

    static func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }
}
