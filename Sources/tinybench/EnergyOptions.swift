import ArgumentParser
import Foundation
import TinyBench

/// Energy mode's bench: the interface board and the monitor, or the emulated lab.
struct EnergyOptions: ParsableArguments {
    @Option(help: "Energy mode: serial port (or remote URL) of the interface board (STM32H573I-DK or Arduino IO manager).")
    var interface: String?
    @Option(help: "Energy mode: lpm01a:PORT, ppk2:PORT or js220 (USB; experimental: not yet verified on hardware); with --emulated-lab just lpm01a, ppk2 or js220 (default lpm01a).",
            transform: { try MonitorSpec.parse($0, portRequired: false) })
    var monitor: MonitorSpec?
    @Option(help: "Energy mode: the DUT's supply voltage set on the monitor, 0.8 to 5 volts (the LPM01A takes 1.8 to 3.3).") var voltage = 3.0
    @Flag(help: "Energy mode against the emulated lab: an emulated DUT behind an emulated interface board, powered by an emulated monitor, on pseudo-terminals.")
    var emulatedLab = false

    func validate() throws {
        // The widest supply range of the monitors (the PPK2's 0.8-5 V; each driver checks its own).
        try require("--voltage", voltage, in: 0.8...5, "volts")
        if let monitor, !emulatedLab, !monitor.kind.isUSB, monitor.port == nil {
            throw ValidationError("\(monitor.kind.rawValue) needs its serial port: --monitor \(monitor.kind.rawValue):/dev/ttyACM1")
        }
        if interface != nil && monitor == nil && !emulatedLab {
            throw ValidationError("energy mode needs --monitor lpm01a:PORT|ppk2:PORT|js220 beside --interface")
        }
    }

    /// The energy bench the options describe, or nil when they name none.
    var bench: BenchDescription.EnergyBench? {
        guard interface != nil || monitor != nil || emulatedLab else { return nil }
        var spec = monitor ?? MonitorSpec(kind: .lpm01a)
        spec.settings.voltage = voltage
        return .init(interface: interface, monitor: spec, emulatedLab: emulatedLab)
    }
}
