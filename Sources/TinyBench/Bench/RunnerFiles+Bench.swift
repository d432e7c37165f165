import Foundation

extension BenchDescription {
    /// The bench an MLCommons runner devices file selects for `mode`, as the
    /// runner selects it (`select`, by default from this host's ports and USB
    /// devices, name-checking where the file says). Energy mode takes the
    /// chosen interface board and monitor; the other modes every DUT found
    /// (several identical DUTs share an accuracy run).
    public init(devices: DevicesFile, mode: ModeSelection, profile: String, model: String?, demoRoot: URL?,
                voltage: Double, select: (Mode) throws -> BenchSelection) throws {
        let modes = mode.modes
        let selection = try select(modes[0])
        self.init(duts: [], profile: profile, model: model, demoRoot: demoRoot)
        if mode == .energy {
            let interface = try selection.require(.interface), power = try selection.require(.power)
            guard let kind = MonitorKind(rawValue: power.entry.name.lowercased()) else {
                throw BenchError.conflicting("\(devices.path): the power device '\(power.entry.name)' is not a monitor TinyBench drives (lpm01a, ppk2, js220)")
            }
            guard let port = interface.port else {
                throw BenchError.conflicting("\(devices.path): the interface board '\(interface.entry.name)' has no serial port")
            }
            energy = EnergyBench(interface: port, interfaceBaud: interface.baud ?? 115_200,
                                 monitor: MonitorSpec(kind: kind, port: power.port, voltage: selection.supplyVoltage ?? voltage))
            return
        }
        _ = try selection.require(.dut)
        for other in modes.dropFirst() {
            let rates = try select(other).duts.map(\.baud)
            guard rates == selection.duts.map(\.baud) else {
                throw BenchError.conflicting("\(devices.path): the DUT's baud rate differs between \(modes.map(\.rawValue).joined(separator: " and ")) mode: run them one at a time (--mode)")
            }
        }
        duts = selection.duts.compactMap { dut in dut.port.map { .port($0, baud: dut.baud ?? 115_200) } }
    }
}

extension TestPlan {
    /// Where the plan's dataset lies under a dataset root: the script's
    /// `model:` folder and its `truth_file` (in the y_labels.csv format).
    public var layout: DatasetLayout { DatasetLayout(folder: datasetFolder, labels: truthFile ?? "y_labels.csv") }

    /// `base` with the script's counts for `mode`: performance and energy
    /// take the loop count as the number of windows, `infer N W`'s W as the
    /// warm-ups and N as the fewest inferences of a window (windows still
    /// grow to the minimum length); accuracy takes a loop count as the number
    /// of files (none: every file).
    public func settings(_ base: SessionSettings, for mode: Mode) throws -> SessionSettings {
        guard !streams else {
            throw BenchError.conflicting("\(benchmarkID): streaming scripts (sww01) are not supported yet")
        }
        var settings = base
        switch mode {
        case .performance, .energy:
            if let loopCount { settings.windows = loopCount }
            settings.warmups = warmups
            settings.minimumInferences = inferences
        case .accuracy:
            settings.sampleLimit = loopCount
        }
        return settings
    }
}
