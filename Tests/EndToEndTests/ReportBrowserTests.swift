import Foundation
import Testing
import TestSupport

/// report.html of a demo session loaded in a real browser (Debian's chromium,
/// headless): no console message, every chart and table present in the DOM
/// by id, and a screenshot rendered.
struct ReportBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "chromium is not installed (make test installs it)"))
    func theReportLoadsInChromiumWithEveryChart() throws {
        let browser = try #require(Self.chromium)
        let root = SessionFilesCommandTests.tempDir("report-browser")
        defer { try? FileManager.default.removeItem(at: root) }
        let session = root.appendingPathComponent("s")
        let all = try CLI.run(["all", "--dataset", HarnessData.demo.path, "--output", session.path])
        #expect(all.status == 0, "\(all.stderr)")
        let energy = try CLI.run(["kws", "--mode", "energy", "--emulated-lab", "--dataset", HarnessData.demo.path, "--output", session.path])
        #expect(energy.status == 0, "\(energy.stderr)")
        #expect(energy.stdout.contains("report: \(session.path)/report.html"))
        let page = session.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        // Self-contained: nothing fetched, no script.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))

        let profile = root.appendingPathComponent("profile").path
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                     "--enable-logging=stderr", "--v=0"]
        let dom = try CLI.runTool(browser, flags + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(!dom.stderr.contains(":CONSOLE"), "console messages: \(dom.stderr)")
        var ids = ["confusion-kws01", "per-class-kws01", "confusion-vww01", "per-class-ic01", "roc-ad01"]
        for b in ["kws01", "vww01", "ad01", "ic01"] { ids += ["summary-\(b)", "perf-windows-\(b)", "latency-\(b)", "layers-\(b)"] }
        ids += (1...5).map { "energy-window-\($0)-kws01" }
        for id in ids { #expect(dom.stdout.contains("id=\"\(id)\""), "\(id) missing from the DOM") }
        // Class names and the emulated label made it into the page.
        #expect(dom.stdout.contains(">Silence<") && dom.stdout.contains(">person<") && dom.stdout.contains(">airplane<"))
        #expect(dom.stdout.contains("emulated: modelled figures, not a measurement") && dom.stdout.contains("modelled µs (emulated)"))

        let shot = root.appendingPathComponent("report.png")
        let screenshot = try CLI.runTool(browser, flags + ["--hide-scrollbars", "--window-size=1100,2400", "--screenshot=\(shot.path)", page.absoluteString])
        #expect(screenshot.status == 0, "\(screenshot.stderr)")
        let png = try Data(contentsOf: shot)
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
    }
}
