import Foundation

/// The energy-mode bench: an interface board on one serial port and a
/// monitor powering the DUT (on another port, or over USB), set up and
/// switched on in the order the MLPerf Tiny runner uses. The DUT is reached
/// through the board (`dut <command>%`).
public struct EnergyBenchConnector: DUTConnector {
    public let interface: String
    public let interfaceBaud: Int
    public let monitor: MonitorSpec
    public let model: ModelSource
    /// How long the DUT takes to boot once powered.
    public let bootSeconds: Double

    public init(interface: String, interfaceBaud: Int = 115_200, monitor: MonitorSpec, model: ModelSource = .unknown,
                bootSeconds: Double = 1) {
        self.interface = interface
        self.interfaceBaud = interfaceBaud
        self.monitor = monitor
        self.model = model
        self.bootSeconds = bootSeconds
    }

    public var label: String { "DUT behind the interface board on \(interface)" }

    public func firmwareBenchmark() throws -> Benchmark? {
        let (board, driver) = try Self.power(try openSerialPort(path: interface, baud: interfaceBaud), try monitor.open(),
                                        settings: monitor.settings, bootSeconds: bootSeconds)
        defer {
            board.transport.close()
            driver.close()
        }
        return try askFirmwareBenchmark(board.dutTransport(), at: label)
    }

    public func connect(_ benchmark: Benchmark) throws -> DUTConnection {
        let modelFile = try model.file(for: benchmark)
        return try Self.connect(interface: try openSerialPort(path: interface, baud: interfaceBaud), port: interface,
                                baud: interfaceBaud, monitor: try monitor.open(), settings: monitor.settings,
                                bootSeconds: bootSeconds, device: nil, model: modelFile)
    }

    /// Sets up the monitor, powers the DUT, waits for it to boot, opens the
    /// interface board in front of it and greets the DUT through it. Both
    /// are closed again when anything fails.
    public static func connect(interface: any Transport, port: String, baud: Int?, monitor: any EnergyMonitor,
                               settings: MonitorSettings, bootSeconds: Double, device: DeviceDescription?,
                               model: ModelFile?) throws -> DUTConnection {
        let (board, driver) = try power(interface, monitor, settings: settings, bootSeconds: bootSeconds)
        var connection = DUTConnection.greet(board.dutTransport(), port: port, baud: baud, device: device, model: model, monitor: driver)
        connection.interfaceBoard = board.name
        return connection
    }

    private static func power(_ interface: any Transport, _ monitor: any EnergyMonitor, settings: MonitorSettings,
                              bootSeconds: Double) throws -> (InterfaceBoard, any EnergyMonitor) {
        do {
            try monitor.configure(settings)
            try monitor.powerOn()
            Thread.sleep(forTimeInterval: bootSeconds)
            return (try InterfaceBoard(transport: interface), monitor)
        } catch {
            interface.close()
            monitor.close()
            throw error
        }
    }
}
