import Foundation

/// The energy-mode bench as the host sees it: an interface board on one
/// serial port and a monitor on another (or over USB), set up and switched
/// on in the order the MLPerf Tiny runner uses.
public enum EnergyBench {
    /// Which monitor drives the DUT's supply.
    public enum MonitorKind: String, Sendable, CaseIterable {
        case lpm01a, ppk2
        /// Experimental: not yet verified on hardware.
        case js220
    }

    /// `lpm01a:PORT`, `ppk2:PORT` or `js220` (USB, found by vendor and product id).
    public static func parseMonitor(_ spec: String) throws -> (MonitorKind, String?) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard let kind = MonitorKind(rawValue: parts.first?.lowercased() ?? "") else {
            throw EnergyMonitorError.unexpected(monitor: spec, "unknown monitor: use lpm01a:PORT, ppk2:PORT or js220")
        }
        if kind != .js220 && parts.count < 2 {
            throw EnergyMonitorError.unexpected(monitor: spec, "\(kind.rawValue) needs its serial port: \(kind.rawValue):/dev/ttyACM1")
        }
        return (kind, parts.count > 1 ? parts[1] : nil)
    }

    /// Default sample rate per monitor: the LPM01A's 1 kHz energy output as
    /// the MLCommons runner uses it; the PPK2's fixed 100 kHz; the JS220's
    /// 1 MHz streams in 10 µs bins.
    public static func sampleRate(_ kind: MonitorKind) -> Double {
        switch kind {
        case .lpm01a: 1000
        case .ppk2: PPK2.sampleRate
        case .js220: JS220.sampleRate
        }
    }

    /// The timestamp edge of each monitor's MLPerf wiring: the LPM01A and
    /// PPK2 take the pulse's falling edge, the JS220's GPI 0 its rising edge.
    public static func edge(_ kind: MonitorKind) -> TimestampEdge {
        kind == .js220 ? .rising : .falling
    }

    /// Opens a monitor driver on its serial port (the LPM01A's nominal
    /// 3 686 400 baud, as the MLCommons runner opens it; over USB CDC the
    /// rate is not used).
    public static func openMonitor(_ kind: MonitorKind, port: String?) throws -> any EnergyMonitor {
        switch kind {
        case .lpm01a: try LPM01A(transport: try openSerialPort(path: port ?? "", baud: 3_686_400))
        case .ppk2: try PPK2(transport: try openSerialPort(path: port ?? "", baud: 115_200))
        case .js220: try JS220(device: try LibUSBDevice.open(vendor: JS220.vendorID, product: JS220.productID))
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
