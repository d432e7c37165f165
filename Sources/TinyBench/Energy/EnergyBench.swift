import Foundation

/// The energy-mode bench as the host sees it: an interface board on one
/// serial port and a monitor on another (or over USB), set up and switched
/// on in the order the MLPerf Tiny runner uses.
public enum EnergyBench {
    /// Which monitor drives the DUT's supply.
    public enum MonitorKind: String, Sendable, CaseIterable {
        case lpm01a, ppk2
    }

    /// `lpm01a:PORT` or `ppk2:PORT`.
    public static func parseMonitor(_ spec: String) throws -> (MonitorKind, String) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard let kind = MonitorKind(rawValue: parts.first?.lowercased() ?? "") else {
            throw EnergyMonitorError.unexpected(monitor: spec, "unknown monitor: use lpm01a:PORT or ppk2:PORT (the JS220 driver is not written yet)")
        }
        if parts.count < 2 {
            throw EnergyMonitorError.unexpected(monitor: spec, "\(kind.rawValue) needs its serial port: \(kind.rawValue):/dev/ttyACM1")
        }
        return (kind, parts[1])
    }

    /// Default sample rate per monitor: the LPM01A's 1 kHz energy output as
    /// the MLCommons runner uses it; the PPK2's fixed 100 kHz.
    public static func sampleRate(_ kind: MonitorKind) -> Double {
        switch kind {
        case .lpm01a: 1000
        case .ppk2: PPK2.sampleRate
        }
    }

    /// Opens a monitor driver on its serial port (the LPM01A's nominal
    /// 3 686 400 baud, as the MLCommons runner opens it; over USB CDC the
    /// rate is not used).
    public static func openMonitor(_ kind: MonitorKind, port: String) throws -> any EnergyMonitor {
        switch kind {
        case .lpm01a: try LPM01A(transport: try openSerialPort(path: port, baud: 3_686_400))
        case .ppk2: try PPK2(transport: try openSerialPort(path: port, baud: 115_200))
        }
    }

    /// Sets up the monitor, powers the DUT, waits for it to boot, and opens
    /// the interface board in front of it. The manifest is completed with the
    /// board's name and the monitor.
    public static func connect(interface: any Transport, monitor: any EnergyMonitor, settings: MonitorSettings,
                               bootSeconds: Double, manifest: SessionManifest) throws -> DUTConnection {
        do {
            try monitor.configure(settings)
            try monitor.powerOn()
            Thread.sleep(forTimeInterval: bootSeconds)
            let board = try InterfaceBoard(transport: interface)
            var manifest = manifest
            manifest.interfaceBoard = board.name
            manifest.monitor = monitor.identity
            manifest.monitorSettings = settings
            return DUTConnection(transport: board.dutTransport(), manifest: manifest, monitor: monitor)
        } catch {
            interface.close()
            monitor.close()
            throw error
        }
    }
}
