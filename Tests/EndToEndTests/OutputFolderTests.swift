import Foundation
import Testing
import TestSupport

/// Where a run writes: full and read-only disks, a dataset that vanishes,
/// unique default folders, and sessions that are never overwritten by accident.
struct OutputFolderTests {
    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-\(name)-\(UUID().uuidString)")
    }

    /// The completed samples of a mode folder's samples.jsonl, each line checked to be a whole JSON object.
    static func samples(_ folder: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent("samples.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
        }
    }

    /// The one line of standard error that reports an error (a run may also
    /// print progress there), checked to name every word of `words`.
    static func expectOneErrorLine(_ r: CLI.Result, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        BadInvocationTests.expectNoTrap(r, sourceLocation: sourceLocation)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") || $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        for w in words { #expect(errors.first?.contains(w) == true, "'\(r.stderr)' lacks '\(w)'", sourceLocation: sourceLocation) }
    }

    @Test(.enabled(if: Tmpfs.permitted, Tmpfs.skipReason))
    func aFullDiskStopsTheRunAndKeepsTheCompletedSamples() throws {
        // 64 KiB hold some of the 720 kws samples with their log, not all.
        let disk = try #require(Tmpfs(options: "size=64k"))
        defer { disk.unmount() }
        let session = disk.url.appendingPathComponent("session")
        let r = try CLI.run(["kws", "--mode", "accuracy", "--output", session.path])
        #expect(r.status == 1, "\(r.stderr)")
        Self.expectOneErrorLine(r, mentioning: [session.appendingPathComponent("kws/accuracy").path, "No space left on device"])
        let kept = try Self.samples(session.appendingPathComponent("kws/accuracy"))
        #expect(!kept.isEmpty && kept.count < 720, "\(kept.count) samples kept")
        #expect(kept.allSatisfy { $0["file"] is String && $0["results"] is [Any] })
        #expect(!FileManager.default.fileExists(atPath: session.appendingPathComponent("kws/accuracy/results.txt").path))
    }

    @Test(.enabled(if: Tmpfs.permitted, Tmpfs.skipReason))
    func aReadOnlyOutputIsOneLine() throws {
        let disk = try #require(Tmpfs(options: "ro,size=16k"))
        defer { disk.unmount() }
        let session = disk.url.appendingPathComponent("session")
        let r = try CLI.run(["kws", "--mode", "performance", "--output", session.path])
        #expect(r.status == 1)
        Self.expectOneErrorLine(r, mentioning: ["cannot create the folder \(session.path)", "Read-only file system"])
    }

    @Test func aDatasetThatVanishesMidRunStopsItAndKeepsTheCompletedSamples() async throws {
        let root = Self.temporary("vanishing")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: HarnessData.demo.appendingPathComponent("ad01"), to: root.appendingPathComponent("ad01"))
        let session = root.appendingPathComponent("session")
        // ad01 accuracy infers 196 windows per file over the serial code path
        // (a pseudo-terminal) with hex transfers read back: slow enough to
        // remove the files after the first one.
        let run = Task.detached {
            try CLI.run(["ad", "--mode", "accuracy", "--emulator", "pty", "--hex", "--dataset", root.path, "--output", session.path])
        }
        let samples = session.appendingPathComponent("ad/accuracy/samples.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while ((try? String(contentsOf: samples, encoding: .utf8)) ?? "").isEmpty && Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("ad01"))
        let r = try await run.value
        #expect(r.status == 1, "\(r.stderr)")
        Self.expectOneErrorLine(r, mentioning: [root.appendingPathComponent("ad01").path, "is missing"])
        let kept = try Self.samples(session.appendingPathComponent("ad/accuracy"))
        #expect(!kept.isEmpty && kept.count < 32, "\(kept.count) samples kept")
    }

    /// Two runs with the default output, started together in one working
    /// folder (so almost always in the same second), write two sessions.
    @Test func defaultRunsStartedTogetherGetTheirOwnFolders() async throws {
        let cwd = Self.temporary("cwd")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        let arguments = ["-c", "cd \"$0\" && exec \"$1\" kws --mode performance --min-window-seconds 0.01", cwd.path, CLI.binary.path]
        async let a = Task.detached { try CLI.runTool("/bin/sh", arguments) }.value
        async let b = Task.detached { try CLI.runTool("/bin/sh", arguments) }.value
        let results = try await [a, b]
        for r in results { #expect(r.status == 0, "\(r.stderr)") }
        let folders = try FileManager.default.contentsOfDirectory(atPath: cwd.appendingPathComponent("sessions").path)
        #expect(folders.count == 2, "\(folders)")
        let printed = Set(results.compactMap { $0.stdout.split(separator: "\n").first { $0.hasPrefix("session: ") } })
        #expect(printed.count == 2, "\(printed)")
    }

    @Test func anExistingSessionIsRefusedReplacedWithOverwriteAndJoinedByNewModes() throws {
        let session = Self.temporary("existing")
        let fm = FileManager.default
        let performance = ["kws", "--mode", "performance", "--min-window-seconds", "0.01", "--output", session.path]
        let first = try CLI.run(performance)
        #expect(first.status == 0, "\(first.stderr)")
        let results = session.appendingPathComponent("kws/performance/results.json")
        let before = try Data(contentsOf: results)
        // A file only an earlier run left: it must survive a refused run and go with --overwrite.
        let marker = session.appendingPathComponent("kws/performance/earlier.txt")
        try Data("earlier".utf8).write(to: marker)

        let again = try CLI.run(performance)
        #expect(again.status == 1)
        Self.expectOneErrorLine(again, mentioning: [session.path, "kws/performance", "tinybench resume", "--overwrite"])
        #expect(try Data(contentsOf: results) == before && fm.fileExists(atPath: marker.path))
        // Both modes of `all` are named when both exist; a mode not yet there is no obstacle.
        let all = try CLI.run(["kws", "--min-window-seconds", "0.01", "--output", session.path])
        #expect(all.status == 1 && all.stderr.contains("kws/performance") && !all.stderr.contains("kws/accuracy"), "\(all.stderr)")

        let replaced = try CLI.run(performance + ["--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(!fm.fileExists(atPath: marker.path) && fm.fileExists(atPath: results.path))

        // A new mode (and a new benchmark) joins the session, and the performance results stay.
        let accuracy = try CLI.run(["kws", "--mode", "accuracy", "--output", session.path])
        #expect(accuracy.status == 0, "\(accuracy.stderr)")
        let other = try CLI.run(["vww", "--mode", "performance", "--min-window-seconds", "0.01", "--output", session.path])
        #expect(other.status == 0, "\(other.stderr)")
        for mode in ["kws/performance", "kws/accuracy", "vww/performance"] {
            #expect(fm.fileExists(atPath: session.appendingPathComponent("\(mode)/results.txt").path), "\(mode)")
        }
        // --overwrite of kws accuracy leaves the other results alone.
        let overwriteOne = try CLI.run(["kws", "--mode", "accuracy", "--output", session.path, "--overwrite"])
        #expect(overwriteOne.status == 0, "\(overwriteOne.stderr)")
        #expect(fm.fileExists(atPath: results.path) && fm.fileExists(atPath: session.appendingPathComponent("vww/performance/results.txt").path))
    }
}

/// A small tmpfs mounted for one test; mounting needs root (as in CI), so
/// tests that need one are skipped, saying so, where it is not permitted.
final class Tmpfs {
    let url: URL

    init?(options: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-tmpfs-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard (try? CLI.runTool("mount", ["-t", "tmpfs", "-o", options, "tmpfs", url.path]))?.status == 0 else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
    }

    func unmount() {
        _ = try? CLI.runTool("umount", [url.path])
        try? FileManager.default.removeItem(at: url)
    }

    static let permitted: Bool = {
        guard let probe = Tmpfs(options: "size=16k") else { return false }
        probe.unmount()
        return true
    }()
    static let skipReason: Comment = "mount -t tmpfs is not permitted here (it needs root)"
}
