import Foundation
import Yams

/// What a device of a devices file is for (its `type:`).
public enum DeviceRole: String, Sendable, CaseIterable, Codable {
    /// The interface (IO manager) board between the host and the DUT in energy mode.
    case interface
    /// The energy monitor (LPM01A, JS220, PPK2) that powers the DUT.
    case power
    /// The device under test.
    case dut
}

/// A USB vendor and product id pair, written `0483:374B`.
public struct USBID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var vendor: Int
    public var product: Int

    public init(vendor: Int, product: Int) {
        self.vendor = vendor
        self.product = product
    }

    public var description: String {
        String(format: "%04X:%04X", vendor, product)
    }
}

/// A device's baud rate: one rate, or one per measurement
/// (`{energy: 9600, performance: 115200, accuracy: 115200}`).
public enum BaudRate: Sendable, Equatable {
    case fixed(Int)
    /// Keyed by the names as written; the runner looks up `energy`,
    /// `performance` and `accuracy` and ignores any other key.
    case perMode([String: Int])

    /// The rate for `mode`, as the runner's `get_baud_rate` picks it; nil when
    /// a per-mode map has no entry for the mode.
    public func rate(for mode: Mode) -> Int? {
        switch self {
        case .fixed(let rate): rate
        case .perMode(let rates): rates[mode.rawValue]
        }
    }
}

/// One device of a devices file: an item of the runner's devices.yaml list.
///
/// Only `name` and `type` are required. `port` is TinyBench's one extension:
/// an explicit path or URL that bypasses USB matching. (The runner tolerates
/// it: it overwrites `port` with the matched port, and an entry it cannot
/// match by USB is simply never found there.)
public struct DeviceEntry: Sendable, Equatable {
    /// The file the entry came from.
    public var file: String
    /// 0-based position in the file's list (the runner's order of matching).
    public var index: Int
    /// Line of the entry's first key.
    public var line: Int?
    public var name: String
    public var role: DeviceRole
    /// When several devices of one role are found, one with a strictly
    /// greater preference replaces the one chosen so far (default 0).
    public var preference: Int
    public var baud: BaudRate?
    /// The `usb:` table flattened in file order: each VID with each of its PIDs.
    public var usb: [USBID]
    /// Matched, as a substring, against the description of USB serial ports
    /// no USB ID matched.
    public var usbDescription: String?
    /// The name the device must answer to `name%` (`m-name-dut-[...]`)
    /// before a port matching it is associated with it.
    public var checkName: String?
    /// Supply voltage in volts (the power monitor's, or the DUT's: the
    /// runner applies the last DUT entry's `voltage` to the monitor).
    public var voltage: Double?
    /// The runner's `echo`: print every line received from the device.
    public var echo: Bool
    /// The `interface:` key as written; `direct_usb` marks a monitor reached
    /// through libusb rather than a serial port (the JS220).
    public var interface: String?
    /// JS220: the instrument's sampling rate in samples per second (the runner's default 1 MS/s).
    public var rawSamplingRate: Int?
    /// JS220: the rate the runner downsamples to (its default 1 kS/s).
    public var virtualSamplingRate: Int?
    /// TinyBench extension: a serial device path, a pseudo-terminal, or a URL
    /// (`rfc2217://host:port`, `socket://host:port`) where the device is,
    /// used instead of USB matching.
    public var port: String?
    /// Keys the runner does not read either; ignored, and listed in the
    /// file's ``DevicesFile/warnings``.
    public var unknownKeys: [String]
    /// Line of the `baud:` key, for the error about a mode the map lacks.
    var baudLine: Int?

    /// Whether the device is matched among USB devices rather than serial ports.
    public var isDirectUSB: Bool { interface == "direct_usb" }

    /// `entry 4 (l4r5zi)`, the way errors name the entry.
    public var label: String { "entry \(index + 1) (\(name))" }

    /// The baud rate to open the device at in `mode`, as the runner's
    /// `get_baud_rate` resolves it; nil when the entry has no `baud:`.
    /// (The runner resolves per-mode maps for DUTs only and passes any other
    /// device the map itself; resolving them all is what such a file means.)
    public func baud(for mode: Mode) throws(RunnerFileError) -> Int? {
        guard let baud else { return nil }
        guard let rate = baud.rate(for: mode) else {
            let has = if case .perMode(let rates) = baud { rates.keys.sorted().joined(separator: ", ") } else { "" }
            throw RunnerFileError(file: file, line: baudLine ?? line, entry: label,
                                  message: "baud has no rate for \(mode.rawValue) mode (it has: \(has.isEmpty ? "nothing" : has))")
        }
        return rate
    }
}

/// An MLCommons Tiny runner devices file (devices.yaml), read as the runner
/// reads it, plus the `port:` extension of ``DeviceEntry``.
///
/// Keys the runner does not know are ignored like the runner ignores them,
/// but each is reported in ``warnings`` so a misspelt key (`check-name`)
/// does not go unnoticed.
public struct DevicesFile: Sendable, Equatable {
    /// The file as the user named it.
    public var path: String
    /// The devices in file order.
    public var entries: [DeviceEntry]
    /// Things the file says that have no effect, one sentence each with file and line.
    public var warnings: [String]

    /// Reads and checks a devices file.
    public init(contentsOf path: String) throws(RunnerFileError) {
        try self.init(yaml: try RunnerYAML.read(path: path), path: path)
    }

    /// Parses devices-file text; `path` names it in errors.
    public init(yaml: String, path: String) throws(RunnerFileError) {
        self.path = path
        guard let root = try RunnerYAML.root(yaml, file: path), !RunnerYAML.isNull(root) else {
            throw RunnerFileError(file: path, message: "is empty: expected a list of devices (- name: ..., type: ...)")
        }
        guard let items = root.sequence else {
            throw RunnerFileError(file: path, line: root.mark?.line, message: "expected a list of devices (- name: ..., type: ...), found \(RunnerYAML.show(root))")
        }
        var entries = [DeviceEntry]()
        var warnings = [String]()
        for (index, item) in items.enumerated() {
            var parser = EntryParser(file: path, index: index, node: item)
            entries.append(try parser.parse())
            warnings += parser.warnings
        }
        self.entries = entries
        self.warnings = warnings
    }

    /// The runner's `dut_config`: the last `dut` entry of the file. Its baud
    /// for the mode is the rate the interface board is told to talk to the
    /// DUT at, and its `voltage`, when given, is applied to the monitor.
    public var dutConfiguration: DeviceEntry? {
        entries.last { $0.role == .dut }
    }
}

/// Reads one list item into a ``DeviceEntry``.
private struct EntryParser {
    let file: String
    let index: Int
    let node: Node
    var warnings = [String]()
    private var label: String

    init(file: String, index: Int, node: Node) {
        self.file = file
        self.index = index
        self.node = node
        label = "entry \(index + 1)"
    }

    private func error(_ message: String, at node: Node? = nil) -> RunnerFileError {
        RunnerFileError(file: file, line: (node ?? self.node).mark?.line, entry: label, message: message)
    }

    private mutating func warn(_ message: String, at node: Node) {
        warnings.append(error(message, at: node).description)
    }

    mutating func parse() throws(RunnerFileError) -> DeviceEntry {
        guard let mapping = node.mapping else {
            throw error("expected a device (name:, type:, ...), found \(RunnerYAML.show(node))")
        }
        let pairs = RunnerYAML.pairs(mapping)
        func value(_ key: String) -> (key: Node, value: Node)? {
            pairs.first { $0.key == key }.map { ($0.keyNode, $0.value) }
        }

        // The name first, so that every later error names the entry.
        guard let (nameKey, nameNode) = value("name") else { throw error("has no name:") }
        let name = try string(nameNode, key: "name", at: nameKey)
        label = "entry \(index + 1) (\(name))"

        guard let (typeKey, typeNode) = value("type") else { throw error("has no type: (interface, power or dut)") }
        let typeName = try string(typeNode, key: "type", at: typeKey)
        guard let role = DeviceRole(rawValue: typeName) else {
            throw error("type '\(typeName)' is none of interface, power, dut", at: typeNode)
        }

        var entry = DeviceEntry(file: file, index: index, line: mapping.mark?.line, name: name, role: role, preference: 0,
                                baud: nil, usb: [], usbDescription: nil, checkName: nil, voltage: nil, echo: false,
                                interface: nil, rawSamplingRate: nil, virtualSamplingRate: nil, port: nil, unknownKeys: [])
        for (key, keyNode, v) in pairs {
            switch key {
            case "name", "type": continue
            case "preference":
                guard let p = RunnerYAML.int(v) else { throw error("preference must be a whole number, not \(RunnerYAML.show(v))", at: v) }
                entry.preference = p
            case "baud":
                entry.baud = try baud(v)
                entry.baudLine = keyNode.mark?.line
            case "usb":
                entry.usb = try usbTable(v)
            case "usb_description":
                let text = try string(v, key: key, at: keyNode)
                // "" is a substring of every description: the entry would claim any USB serial port.
                guard !text.isEmpty else { throw error("usb_description is empty: it would match every USB serial port", at: v) }
                entry.usbDescription = text
            case "check_name":
                entry.checkName = try string(v, key: key, at: keyNode)
            case "voltage":
                guard let volts = RunnerYAML.number(v), volts > 0 else {
                    throw error("voltage must be a positive number of volts, not \(RunnerYAML.show(v))", at: v)
                }
                entry.voltage = volts
            case "echo":
                guard RunnerYAML.has(v, tag: .bool), let on = v.bool else {
                    throw error("echo must be True or False, not \(RunnerYAML.show(v))", at: v)
                }
                entry.echo = on
            case "interface":
                let kind = try string(v, key: key, at: keyNode)
                if kind != "direct_usb" {
                    warn("interface '\(kind)' is not direct_usb: the device is looked for among serial ports", at: v)
                }
                entry.interface = kind
            case "raw_sampling_rate":
                entry.rawSamplingRate = try positiveInt(v, key: key)
            case "virtual_sampling_rate":
                entry.virtualSamplingRate = try positiveInt(v, key: key)
            case "port":
                let location = try string(v, key: key, at: keyNode)
                guard !location.isEmpty else { throw error("port is empty", at: v) }
                entry.port = location
            default:
                entry.unknownKeys.append(key)
                warn("unknown key '\(key)' ignored (the runner ignores it too)", at: keyNode)
            }
        }
        if entry.usb.isEmpty, entry.usbDescription == nil, entry.port == nil {
            warn("has no usb:, usb_description: or port:, so it can never be found", at: node)
        }
        if entry.isDirectUSB, entry.usb.isEmpty, entry.port == nil {
            warn("interface: direct_usb needs a usb: table to be found", at: node)
        }
        return entry
    }

    private func string(_ v: Node, key: String, at keyNode: Node) throws(RunnerFileError) -> String {
        guard let s = v.scalar, !RunnerYAML.isNull(v) else {
            throw error("\(key) must be text, not \(RunnerYAML.isNull(v) ? "empty" : RunnerYAML.show(v))", at: v.scalar == nil ? v : keyNode)
        }
        return s.string
    }

    private func positiveInt(_ v: Node, key: String) throws(RunnerFileError) -> Int {
        guard let n = RunnerYAML.int(v), n > 0 else { throw error("\(key) must be a positive whole number, not \(RunnerYAML.show(v))", at: v) }
        return n
    }

    private mutating func baud(_ v: Node) throws(RunnerFileError) -> BaudRate {
        if let mapping = v.mapping {
            var rates = [String: Int]()
            for (mode, _, rate) in RunnerYAML.pairs(mapping) {
                guard let r = RunnerYAML.int(rate), r > 0 else {
                    throw error("baud for \(mode) must be a positive whole number, not \(RunnerYAML.show(rate))", at: rate)
                }
                if Mode(rawValue: mode) == nil {
                    warn("baud key '\(mode)' is none of performance, accuracy, energy: never used", at: rate)
                }
                rates[mode] = r
            }
            guard !rates.isEmpty else { throw error("baud is an empty mapping", at: v) }
            return .perMode(rates)
        }
        guard let r = RunnerYAML.int(v), r > 0 else {
            throw error("baud must be a positive whole number or a mapping {performance: ..., accuracy: ..., energy: ...}, not \(RunnerYAML.show(v))", at: v)
        }
        return .fixed(r)
    }

    /// `usb:` maps each VID to a PID or a list of PIDs. PyYAML reads the
    /// runner's `0x0483` keys as ints, and so does Yams; a quoted id would be
    /// a string the runner never matches, so it is refused here.
    private func usbTable(_ v: Node) throws(RunnerFileError) -> [USBID] {
        guard let mapping = v.mapping, !mapping.isEmpty else {
            throw error("usb must map vendor ids to product ids (usb: {0x0483: 0x374B}), not \(RunnerYAML.show(v))", at: v)
        }
        var ids = [USBID]()
        var vendors = Set<Int>()
        for (_, vidNode, pidsNode) in RunnerYAML.pairs(mapping) {
            let vid = try usbNumber(vidNode, what: "vendor id")
            // 0x0483 and 1155 are different YAML keys but the same vendor; a dict would silently keep one.
            guard vendors.insert(vid).inserted else {
                throw error("vendor id \(String(format: "0x%04X", vid)) appears twice in usb", at: vidNode)
            }
            let pidNodes = pidsNode.sequence.map { Array($0) } ?? [pidsNode]
            guard !pidNodes.isEmpty else { throw error("vendor id \(String(format: "0x%04X", vid)) has an empty product id list", at: pidsNode) }
            for p in pidNodes {
                ids.append(USBID(vendor: vid, product: try usbNumber(p, what: "product id")))
            }
        }
        return ids
    }

    private func usbNumber(_ v: Node, what: String) throws(RunnerFileError) -> Int {
        guard let n = RunnerYAML.int(v) else {
            let quoted = v.scalar.map { $0.style != .plain && $0.style != .any } ?? false
            throw error("USB \(what) must be a number like 0x0483 or 1155, not \(RunnerYAML.show(v))"
                        + (quoted ? " (quoted, it is text, which the runner never matches)" : ""), at: v)
        }
        guard (0...0xFFFF).contains(n) else {
            throw error("USB \(what) \(RunnerYAML.show(v)) is out of range (0 to 0xFFFF)", at: v)
        }
        return n
    }
}
