import ArgumentParser
import Foundation
import TinyBench

/// `tinybench ports`: the serial ports a DUT may be on.
struct PortsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ports",
        abstract: "List serial ports: path, description, USB VID:PID and serial number.",
        discussion: """
            Examples:
              tinybench ports
              tinybench ports --json
            """)

    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let ports = try SerialPortInfo.all()
            if json {
                let encoder = JSONOutput.encoder()
                print(String(decoding: try encoder.encode(ports), as: UTF8.self))
            } else if ports.isEmpty {
                print("no serial ports found")
            } else {
                for p in ports {
                    print([p.path, p.description, p.usbID.map { "USB \($0)" } ?? p.transport, p.serialNumber.map { "serial \($0)" }]
                        .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "  "))
                }
            }
        }
    }
}
