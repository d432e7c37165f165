import Foundation

/// An open link to a DUT for one benchmark: what the DUT printed when it
/// came up, and what the results should record about it.
public struct DUTConnection {
    public var transport: any Transport
    /// Lines the DUT printed before the first command (its boot banner), if any.
    public var bootLines: [String]
    /// Where the DUT was reached (a path, a URL, `in-process`) and at what rate.
    public var port: String
    public var baud: Int?
    public var device: DeviceDescription
    /// The model the DUT runs, when the host knows it.
    public var model: ModelFile?
    /// Energy mode: the monitor powering the DUT (closed with the connection) and the interface board's name.
    public var monitor: (any EnergyMonitor)?
    public var interfaceBoard: String?
    /// Called after the transport and monitor are closed (e.g. to stop an emulated lab).
    public var onClose: (() -> Void)?

    public init(transport: any Transport, bootLines: [String] = [], port: String, baud: Int?, device: DeviceDescription,
                model: ModelFile?, monitor: (any EnergyMonitor)? = nil, onClose: (() -> Void)? = nil) {
        self.transport = transport
        self.bootLines = bootLines
        self.port = port
        self.baud = baud
        self.device = device
        self.model = model
        self.monitor = monitor
        self.onClose = onClose
    }

    /// A connection over a transport that has just been opened: the boot
    /// banner is read, and the DUT is asked to describe itself (the
    /// `tb-device` extension) unless `device` is already known. A DUT that
    /// does not answer the question is taken for a board on `port`.
    public static func greet(_ transport: any Transport, port: String, baud: Int?, device: DeviceDescription?,
                             model: ModelFile?, monitor: (any EnergyMonitor)? = nil) -> DUTConnection {
        let boot = DUTClient.bootBanner(transport)
        var described = device
        if described == nil {
            let client = DUTClient(transport: transport, timeouts: .init(line: 2, infer: 2))
            described = (try? client.deviceDescription())?.map {
                var d = $0
                d.summary += " on \(port)"
                return d
            }
        }
        return DUTConnection(transport: transport, bootLines: boot, port: port, baud: baud,
                             device: described ?? .board(on: port), model: model, monitor: monitor)
    }

    /// What a session on `dataset` records about this DUT (`datasetSHA256`:
    /// the dataset's checksum when already computed).
    public func manifest(for benchmark: Benchmark, dataset: Dataset, datasetSHA256: String? = nil) throws -> SessionManifest {
        var manifest = try SessionManifest(benchmark: benchmark, dataset: dataset, datasetSHA256: datasetSHA256,
                                           port: port, baud: baud, device: device, model: model)
        manifest.interfaceBoard = interfaceBoard
        manifest.monitor = monitor?.identity
        manifest.monitorSettings = monitor?.settings
        return manifest
    }

    /// Closes the DUT's link and the monitor (which switches the DUT off).
    public func close() {
        transport.close()
        monitor?.close()
        onClose?()
    }
}

/// Turns one DUT of a bench description into open connections: a board on a
/// serial port or a remote URL, QEMU firmware, the emulated DUT in process or
/// on a pseudo-terminal, an energy bench (interface board + monitor) or the
/// emulated lab. Everything above it is the same for all of them.
public protocol DUTConnector: Sendable {
    /// Where the DUT is, for messages, e.g. `/dev/ttyACM0` or `emulated DUT (in process)`.
    var label: String { get }
    /// The benchmark the DUT's firmware runs, asked over the link (a board);
    /// nil when the DUT runs whichever benchmark it is connected for (an
    /// emulated DUT loads that benchmark's model).
    func firmwareBenchmark() throws -> Benchmark?
    /// Opens the DUT for `benchmark`.
    func connect(_ benchmark: Benchmark) throws -> DUTConnection
    /// How many identical DUTs ``connect(_:)`` can open at once to share one
    /// accuracy run: 1 for a board; the in-process emulator opens one
    /// interpreter per core.
    var accuracyShards: Int { get }
}

extension DUTConnector {
    /// A board is one DUT.
    public var accuracyShards: Int { 1 }
}

/// Which model a DUT runs, per benchmark, as the results record it.
public enum ModelSource: Sendable {
    /// One model file for the one benchmark run.
    case file(String)
    /// The bundled demo models under this root (`models/<benchmark>.tflite`).
    case demo(URL)
    /// Not known to the host (a board's firmware has it built in).
    case unknown

    /// The model file for `benchmark`, read, or nil when unknown.
    public func file(for benchmark: Benchmark) throws -> ModelFile? {
        switch self {
        case .file(let path): try ModelFile(path: path)
        case .demo(let root): try ModelFile(path: DemoData.model(benchmark, in: root).path)
        case .unknown: nil
        }
    }
}

/// Asks a DUT on `transport` which benchmark its firmware runs (`profile%` → `m-model-[...]`).
func askFirmwareBenchmark(_ transport: any Transport, at label: String) throws -> Benchmark {
    _ = DUTClient.bootBanner(transport)
    let identity = try DUTClient(transport: transport).identify()
    guard let benchmark = Benchmark.named(identity.model) else { throw ConnectorError.unknownModel(label, identity.model) }
    return benchmark
}

/// Why a bench could not be connected.
public enum ConnectorError: Error, CustomStringConvertible {
    case unknownModel(String, String)
    case noModel(String)

    public var description: String {
        switch self {
        case let .unknownModel(where_, model): "the DUT on \(where_) runs '\(model)', which is not a benchmark TinyBench knows (\(Benchmark.all.map(\.id).joined(separator: ", ")))"
        case .noModel(let what): "\(what) needs --model MODEL.tflite (no bundled demo model was found: \(DemoData.searchDescription()))"
        }
    }
}
