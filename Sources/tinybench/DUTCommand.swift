import ArgumentParser
import Foundation
import TinyBench

/// `tinybench dut check --port P | --qemu FW`: the DUT protocol as the MLCommons runner and TinyBench use it.
struct DUTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dut",
        abstract: "Work with a device under test directly.",
        discussion: """
            Examples:
              tinybench dut check --port /dev/ttyACM0
              tinybench dut check --qemu build/kws/firmware.elf --json
            """,
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check that a DUT speaks the protocol as the MLCommons runner and TinyBench use it; exit status 1 when a point fails.",
            discussion: """
                Exercises the DUT the way both tools drive it and prints each point with pass or \
                FAIL and the reason: name% and profile% in the runner's line patterns, db loads in \
                the runner's chunks of 31 and 26 bytes read back with db print, an 80-character \
                command, infer N W with warm-ups (the order of its lines), m-lap-us laps that \
                bracket the timed inferences, results%, and no echo of commands; every reply \
                within the runner's timeouts (5 s a line, 30 s for infer). Run it on a firmware \
                port before a benchmark run (Docs/interop.md).

                Examples:
                  tinybench dut check --port /dev/ttyACM0
                  tinybench dut check --qemu Firmware/build/mps2-an386/firmware.elf
                  tinybench dut check --port /dev/pts/5 --json
                """)

        @Option(help: "The DUT's serial port or pseudo-terminal (or rfc2217:// / socket:// URL).") var port: String?
        @Option(help: "Run this firmware (.elf) under QEMU (mps2-an386) and check it.") var qemu: String?
        @Option(help: "Baud rate of the DUT's serial port, 50 to 20000000.") var baud = 115_200
        @Flag(help: "Print the points as JSON.") var json = false

        func validate() throws {
            guard (port == nil) != (qemu == nil) else { throw ValidationError("give the DUT: one --port or one --qemu") }
            try require("--baud", baud, in: 50...20_000_000)
        }

        func run() throws {
            var passed = false
            try reportingErrors {
                let transport: any Transport = if let qemu { try QEMUDevice(firmware: qemu) } else { try openSerialPort(path: port!, baud: baud) }
                defer { transport.close() }
                let check = ProtocolConformance(transport: transport, label: port ?? transport.endpoint,
                                                serialPath: port.flatMap { $0.contains("://") ? nil : $0 })
                if !json { print("DUT protocol check on \(check.label)\(port == nil ? "" : " at \(baud) baud")") }
                let checks = check.run { if !json { printCheck($0) } }
                if json { print(String(decoding: try Doctor.json(checks), as: UTF8.self)) }
                let failed = checks.filter { $0.status == .fail }.count
                if !json { print(failed == 0 ? "all \(checks.count) points pass" : "\(failed) of \(checks.count) points FAIL") }
                passed = failed == 0
            }
            if !passed { throw ExitCode.failure }
        }
    }
}
