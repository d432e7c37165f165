import Foundation

/// A DUT on a serial port: a device path, a pseudo-terminal, or a remote
/// `rfc2217://` / `socket://` URL. What it is comes from the DUT itself
/// (the `tb-device` extension), else it is taken for a board.
public struct SerialConnector: DUTConnector {
    public let port: String
    public let baud: Int
    /// The model the board runs, when the user named it (recorded in the results).
    public let model: ModelSource

    public init(port: String, baud: Int = 115_200, model: ModelSource = .unknown) {
        self.port = port
        self.baud = baud
        self.model = model
    }

    public var label: String { port }

    public func firmwareBenchmark() throws -> Benchmark? {
        let transport = try openSerialPort(path: port, baud: baud)
        defer { transport.close() }
        return try askFirmwareBenchmark(transport, at: port)
    }

    public func connect(_ benchmark: Benchmark) throws -> DUTConnection {
        let modelFile = try model.file(for: benchmark)
        return DUTConnection.greet(try openSerialPort(path: port, baud: baud), port: port, baud: baud, device: nil, model: modelFile)
    }
}

/// TinyBench's firmware under QEMU (mps2-an386), started per connection and
/// stopped when it closes; its timings are instruction counts.
public struct QEMUConnector: DUTConnector {
    public let firmware: String
    public let model: ModelSource

    public init(firmware: String, model: ModelSource = .unknown) {
        self.firmware = firmware
        self.model = model
    }

    public var label: String { "QEMU running \(firmware)" }

    public func firmwareBenchmark() throws -> Benchmark? {
        let device = try QEMUDevice(firmware: firmware)
        defer { device.close() }
        return try askFirmwareBenchmark(device, at: label)
    }

    public func connect(_ benchmark: Benchmark) throws -> DUTConnection {
        let modelFile = try model.file(for: benchmark)
        let device = try QEMUDevice(firmware: firmware)
        return DUTConnection.greet(device, port: device.endpoint, baud: nil, device: QEMUDevice.deviceDescription, model: modelFile)
    }
}
