import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

extension Benchmark: ExpressibleByArgument {
    public init?(argument: String) {
        guard let b = Benchmark.named(argument) else { return nil }
        self = b
    }
    public static var allValueStrings: [String] { all.flatMap { [$0.shortName, $0.id] } }
    public var defaultValueDescription: String { id }
}

/// The benchmark argument of a run: one benchmark, or all of them.
enum BenchmarkSelection: ExpressibleByArgument, Equatable {
    case one(Benchmark)
    case all

    init?(argument: String) {
        if argument.lowercased() == "all" {
            self = .all
        } else if let b = Benchmark(argument: argument) {
            self = .one(b)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { Benchmark.allValueStrings + ["all"] }

    var benchmarks: [Benchmark] {
        switch self {
        case .one(let b): [b]
        case .all: Benchmark.all
        }
    }
}

extension BoardProfile: ExpressibleByArgument {
    public init?(argument: String) {
        guard let p = BoardProfile.named(argument) else { return nil }
        self = p
    }
    public static var allValueStrings: [String] { all.map(\.name) }
    public var defaultValueDescription: String { name }
}

/// A number option outside `range` (NaN and infinities included) is a usage
/// error naming the option and its range: the library then never sees a
/// value that would trap or never end (a timeout of inf, a window of 1e9 s).
func require(_ option: String, _ value: Double, in range: ClosedRange<Double>, _ unit: String) throws {
    guard range.contains(value) else {
        throw ValidationError("\(option) must be between \(number(range.lowerBound)) and \(number(range.upperBound)) \(unit), got \(number(value))")
    }
}

func require(_ option: String, _ value: Int, in range: ClosedRange<Int>, _ unit: String = "") throws {
    guard range.contains(value) else {
        throw ValidationError("\(option) must be between \(range.lowerBound) and \(range.upperBound)\(unit.isEmpty ? "" : " " + unit), got \(value)")
    }
}

/// "0.001", "86400", "1e+09", "nan": short, and exact for the range ends.
private func number(_ value: Double) -> String { String(format: "%g", value) }

/// Longest timeout or window an option accepts: a day is far beyond any
/// real run step, so anything longer is a typo.
let oneDay = 86_400.0

extension ModeSelection: ExpressibleByArgument {}
extension MonitorKind: ExpressibleByArgument {}
extension EmulatedConnector.Hosting: ExpressibleByArgument {}

/// How the DUTs of a run or a check are reached: serial ports and remote
/// URLs, QEMU firmware, or the emulated DUT (the default).
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("port"),
            help: "DUT serial port, pseudo-terminal, or remote port rfc2217://HOST:PORT | socket://HOST:PORT; repeat for several DUTs (without any, the emulated DUT runs).")
    var ports: [String] = []
    @Option(help: "Run this firmware (.elf) under QEMU (mps2-an386) and benchmark it over its serial line; timings are instruction counts.")
    var qemu: String?
    @Option(help: "Baud rate of the DUT's serial port, 50 to 20000000.") var baud = 115_200
    @Option(help: "An MLCommons Tiny runner devices.yaml (unmodified; plus `port:` for a path or remote URL): DUTs, interface board and monitor are chosen from it as the runner chooses them (Docs/benches.md).")
    var devices: String?
    @Option(help: "Board profile of the emulated DUT.") var profile = BoardProfile.nucleoL4R5ZITFLM
    @Option(help: "Where the emulated DUT runs: in-process, or pty (served on a pseudo-terminal: the real serial code path).")
    var emulator = EmulatedConnector.Hosting.inProcess
    @Option(help: "Accuracy on the in-process emulated DUT: interpreters sharing the samples, 1 to 256 (default: one per core; results are the same).")
    var jobs: Int?

    func validate() throws {
        if let jobs {
            try require("--jobs", jobs, in: 1...256)
            guard qemu == nil && ports.isEmpty && devices == nil && emulator == .inProcess else {
                throw ValidationError("--jobs shares accuracy across in-process emulated DUTs: it does not apply to --port, --qemu, --devices or --emulator pty")
            }
        }
        // The rates serial hardware offers: 50 baud (the lowest POSIX rate) to 20 Mbaud (fast USB-serial bridges).
        try require("--baud", baud, in: 50...20_000_000)
        guard qemu == nil || ports.isEmpty else { throw ValidationError("--qemu starts its own DUT: do not also give --port") }
        guard devices == nil || (qemu == nil && ports.isEmpty) else {
            throw ValidationError("--devices describes the bench: do not also give --port or --qemu")
        }
    }

    /// The bench: from the devices file, or from the options (`energy` is energy mode's bench, if any).
    func bench(mode: ModeSelection, energy: BenchDescription.EnergyBench?, voltage: Double = 3.0, model: String?,
               demoRoot: URL? = nil) throws -> BenchDescription {
        guard let devices else {
            var bench = BenchDescription(duts: duts(emulatedByDefault: mode != .energy), energy: energy, profile: profile.name,
                                         model: model, demoRoot: demoRoot)
            bench.accuracyJobs = jobs
            return bench
        }
        guard energy == nil else { throw UsageError("--devices describes the bench: do not also give --interface or --monitor") }
        let file = try DevicesFile(contentsOf: devices)
        for warning in file.warnings { Console.error("warning: \(warning)\n") }
        return try BenchDescription(devices: file, mode: mode, profile: profile.name, model: model, demoRoot: demoRoot,
                                    voltage: voltage) { try file.selectConnected(mode: $0) }
    }

    /// The DUTs the options name: ports, QEMU, or else one emulated DUT
    /// (none in energy mode, where the DUT sits behind the interface board).
    func duts(emulatedByDefault: Bool = true) -> [BenchDescription.DUT] {
        if let qemu { return [.qemu(firmware: qemu)] }
        if !ports.isEmpty { return ports.map { .port($0, baud: baud) } }
        return emulatedByDefault ? [.emulated(pty: emulator == .pseudoTerminal)] : []
    }
}
