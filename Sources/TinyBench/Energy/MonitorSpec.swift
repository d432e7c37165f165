import Foundation

/// An energy monitor model TinyBench drives.
public enum MonitorKind: String, Sendable, CaseIterable, Codable {
    case lpm01a, ppk2
    /// Experimental: not yet verified on hardware.
    case js220

    /// Default sample rate: the LPM01A's 1 kHz energy output as the MLCommons
    /// runner uses it; the PPK2's fixed 100 kHz; the JS220's 1 MHz streams in 10 µs bins.
    public var defaultSampleRate: Double {
        switch self {
        case .lpm01a: 1000
        case .ppk2: PPK2.sampleRate
        case .js220: JS220.sampleRate
        }
    }

    /// The timestamp edge of each monitor's MLPerf wiring: the LPM01A and
    /// PPK2 take the pulse's falling edge, the JS220's GPI 0 its rising edge.
    public var timestampEdge: TimestampEdge { self == .js220 ? .rising : .falling }

    /// True for monitors reached by USB bulk transfers rather than a serial port.
    public var isUSB: Bool { self == .js220 }
}

/// One energy monitor of a bench: which model, where, and how it is set up.
public struct MonitorSpec: Sendable, Equatable, Codable {
    public var kind: MonitorKind
    /// Its serial port (a path or a remote URL); nil for a USB monitor, or one the emulated lab provides.
    public var port: String?
    public var settings: MonitorSettings

    /// `sampleRateHz` and `edge` default to the kind's.
    public init(kind: MonitorKind, port: String? = nil, voltage: Double = 3.0, sampleRateHz: Double? = nil,
                edge: TimestampEdge? = nil) {
        self.kind = kind
        self.port = port
        settings = MonitorSettings(voltage: voltage, sampleRateHz: sampleRateHz ?? kind.defaultSampleRate,
                                   edge: edge ?? kind.timestampEdge)
    }

    /// `lpm01a:PORT`, `ppk2:PORT` or `js220` (USB, found by vendor and product
    /// id); without `portRequired` (the emulated lab) a bare kind is enough.
    public static func parse(_ text: String, voltage: Double = 3.0, portRequired: Bool = true) throws(EnergyMonitorError) -> MonitorSpec {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let kind = MonitorKind(rawValue: parts.first?.lowercased() ?? "") else {
            throw .unexpected(monitor: text, "unknown monitor: use lpm01a:PORT, ppk2:PORT or js220")
        }
        if portRequired && !kind.isUSB && parts.count < 2 {
            throw .unexpected(monitor: text, "\(kind.rawValue) needs its serial port: \(kind.rawValue):/dev/ttyACM1")
        }
        return MonitorSpec(kind: kind, port: parts.count > 1 ? parts[1] : nil, voltage: voltage)
    }

    /// Opens the driver: on its serial port (the LPM01A's nominal 3 686 400
    /// baud, as the MLCommons runner opens it; over USB CDC the rate is not
    /// used), or the JS220 over libusb.
    public func open() throws -> any EnergyMonitor {
        switch kind {
        case .lpm01a: try LPM01A(transport: try openSerialPort(path: port ?? "", baud: 3_686_400))
        case .ppk2: try PPK2(transport: try openSerialPort(path: port ?? "", baud: 115_200))
        case .js220: try JS220(device: try LibUSBDevice.open(vendor: JS220.vendorID, product: JS220.productID))
        }
    }
}
