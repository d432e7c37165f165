import ArgumentParser
import Foundation
import TinyBench

/// `tinybench doctor [--port P] [--devices FILE] [--qemu FW] [--monitor M]`.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what a bench needs before a run, each problem with its fix; exit status 1 when a check the given bench needs fails.",
        discussion: """
            Lists the serial ports and the boards and monitors they are (ST-LINK, LPM01A, PPK2, \
            JS220, H573I-DK), checks permission to open each DUT port and which other programs hold \
            it, probes a DUT with `name%` at 115200 (performance build) and 9600 baud (energy build), \
            checks libusb access to a JS220, QEMU and the Arm toolchain, and the demo data. Without \
            options every check is informative (exit 0); --port, --devices, --qemu and --monitor say \
            what the bench needs. Docs/reporting.md lists the checks.

            Examples:
              tinybench doctor
              tinybench doctor --port /dev/ttyACM0
              tinybench doctor --devices devices.yaml --monitor js220
            """)

    @Option(name: .customLong("port"), help: "A DUT port the bench needs (repeatable).") var ports: [String] = []
    @Option(help: "An MLCommons runner devices.yaml: the ports it selects are needed.") var devices: String?
    @Option(help: "Firmware to run under QEMU: QEMU is needed.") var qemu: String?
    @Option(help: "The monitor the bench needs: js220 (libusb), or lpm01a:PORT / ppk2:PORT.",
            transform: { try MonitorSpec.parse($0, portRequired: false) })
    var monitor: MonitorSpec?
    @Flag(help: "Print the checks as JSON.") var json = false

    func run() throws {
        var needs = Doctor.Needs()
        needs.ports = ports
        needs.qemu = qemu != nil
        needs.js220 = monitor?.kind == .js220
        var checks = [DoctorCheck]()
        if let port = monitor?.port { needs.ports.append(port) }
        if let devices {
            do {
                let selection = try DevicesFile(contentsOf: devices).selectConnected(mode: .performance)
                needs.ports += selection.duts.compactMap(\.port)
                checks.append(DoctorCheck("devices file \(devices)", .pass, selection.notes.joined(separator: " "), required: true))
            } catch {
                checks.append(DoctorCheck("devices file \(devices)", .fail, "\(error)", required: true))
            }
        }
        checks += Doctor(needs: needs).run(demoData: DemoData.locate())
        if json {
            print(String(decoding: try Doctor.json(checks), as: UTF8.self))
        } else {
            checks.forEach(printCheck)
        }
        if checks.contains(where: { $0.required && $0.status == .fail }) { throw ExitCode.failure }
    }
}

/// One check as `doctor` and `dut check` print it: a mark, the name, what was
/// found, and the fix under it when the check did not pass.
func printCheck(_ c: DoctorCheck) {
    let mark = switch c.status { case .pass: "ok  "; case .warning: "warn"; case .fail: "FAIL" }
    print("\(mark)  \(c.name): \(c.detail)")
    if let fix = c.fix, c.status != .pass { print("      fix: \(fix)") }
}
