import Foundation

/// Asks the device on a serial port for its name at a baud rate: the text of
/// its `m-name-dut-[...]` answer, or nil when it gave none. A thrown error
/// (the port cannot be opened) also means the port is not associated.
public typealias DeviceNameCheck = (_ path: String, _ baud: Int) throws -> String?

/// A device chosen from a devices file: which entry, where, at what rate.
public struct SelectedDevice: Sendable, Equatable {
    /// How the device was found.
    public enum Match: Sendable, Equatable {
        /// A serial port whose USB ID is in the entry's `usb:` table.
        case usbID(USBID)
        /// A USB serial port no USB ID matched, whose description (given) contains the entry's `usb_description`.
        case usbDescription(String)
        /// A device on the USB bus (`interface: direct_usb`): no serial port.
        case directUSB(USBID)
        /// The entry's own `port:`.
        case explicitPort
    }

    public var entry: DeviceEntry
    /// The serial port's path or URL; nil for a direct-USB device (JS220).
    public var port: String?
    public var match: Match
    /// The entry's baud rate for the selection's mode; nil when it has no `baud:`.
    public var baud: Int?
}

/// The devices a devices file selects on this host, chosen the way the
/// runner's `DeviceManager.scan()` chooses them, with an account of what
/// matched and what was rejected.
public struct BenchSelection: Sendable, Equatable {
    /// The devices file.
    public var file: String
    public var mode: Mode
    /// The chosen device of each role: the first found, unless a later one
    /// has a strictly greater `preference`.
    public var interface: SelectedDevice?
    public var power: SelectedDevice?
    /// The chosen DUT, when a DUT is connected itself. In energy mode the DUT
    /// is usually reached through the interface board instead and is not
    /// found here: then ``dutBaud`` is the rate the board talks to it at.
    public var dut: SelectedDevice?
    /// Every DUT found, in the order found (``dut`` among them): several
    /// boards can share a run.
    public var duts: [SelectedDevice]
    /// The baud rate for the mode of the file's last `dut` entry (the runner's
    /// `desired_dut_baud`): what the interface board is told (`setbaud`) to
    /// talk to the DUT at. Nil when the file has no DUT entry or it has no baud.
    public var dutBaud: Int?
    /// The supply voltage for the monitor to give the DUT: the last `dut`
    /// entry's `voltage` when it has one (the runner applies it last), else
    /// the chosen monitor's. Nil: the monitor's default (the runner's is 3.3 V).
    public var supplyVoltage: Double?
    /// What matched, what was rejected and why, and which entries were not
    /// found: one sentence each, in the order the scan went.
    public var notes: [String]
    /// The serial ports the selection was made from.
    public var serialPortsSeen: [SerialPortInfo]
    /// The USB devices the selection was made from (for `interface: direct_usb` entries).
    public var usbDevicesSeen: [USBID]

    fileprivate var entries: [DeviceEntry]
    fileprivate var rejections: [Rejection]

    /// The chosen device of a role.
    public subscript(role: DeviceRole) -> SelectedDevice? {
        switch role {
        case .interface: interface
        case .power: power
        case .dut: dut
        }
    }

    /// The chosen device of a role, or an error that says what the file
    /// wanted, what this host has, and what was rejected.
    public func require(_ role: DeviceRole) throws(RunnerFileError) -> SelectedDevice {
        if let device = self[role] { return device }
        let wanted = entries.filter { $0.role == role }
        guard !wanted.isEmpty else {
            throw RunnerFileError(file: file, message: "no \(role.rawValue) found: the file has no entry of type \(role.rawValue)")
        }
        var parts = ["no \(role.rawValue) found for \(mode.rawValue) mode: "
            + wanted.map { "\($0.name) wants \(Self.wants($0))" }.joined(separator: "; ")]
        parts.append("serial ports seen: " + (serialPortsSeen.isEmpty ? "none" : serialPortsSeen.map(Self.describe).joined(separator: ", ")))
        if wanted.contains(where: \.isDirectUSB) {
            parts.append("USB devices seen: " + (usbDevicesSeen.isEmpty ? "none" : usbDevicesSeen.map(\.description).joined(separator: ", ")))
        }
        let rejected = rejections.filter { $0.role == role }.map(\.text)
        if !rejected.isEmpty { parts.append("rejected: " + rejected.joined(separator: "; ")) }
        throw RunnerFileError(file: file, message: parts.joined(separator: "; "))
    }

    /// `USB 0483:374B answering name% with 'l4r5zi'`: what finds an entry.
    static func wants(_ entry: DeviceEntry) -> String {
        var ways = [String]()
        if let port = entry.port {
            ways.append("port \(port)")
        } else {
            if !entry.usb.isEmpty {
                ways.append((entry.isDirectUSB ? "a direct USB device " : "USB ") + entry.usb.map(\.description).joined(separator: " or "))
            }
            if let text = entry.usbDescription { ways.append("a USB serial port described as '…\(text)…'") }
        }
        let how = ways.isEmpty ? "nothing it can be found by (no usb:, usb_description: or port:)" : ways.joined(separator: " or ")
        return how + (entry.checkName.map { " answering name% with '\($0)'" } ?? "")
    }

    /// `/dev/ttyACM0 (USB 0483:374B, "STM32 STLink")`.
    static func describe(_ port: SerialPortInfo) -> String {
        var about = [String]()
        if let vid = port.vendorID, let pid = port.productID { about.append("USB \(USBID(vendor: vid, product: pid))") }
        if !port.description.isEmpty { about.append("\"\(port.description)\"") }
        return about.isEmpty ? port.path : "\(port.path) (\(about.joined(separator: ", ")))"
    }
}

/// A port an entry matched but did not get, for ``BenchSelection/require(_:)``.
private struct Rejection: Sendable, Equatable {
    var role: DeviceRole
    var text: String
}

extension DevicesFile {
    /// Chooses the devices for `mode` among the given serial ports and USB
    /// devices, exactly as the runner's `DeviceManager.scan()` does, in passes:
    ///
    /// 0. (TinyBench) entries with `port:` are taken at that port, after the
    ///    name check when they have `check_name`; such a port is not matched again.
    /// 1. each serial port with a USB ID goes to the first entry (file order)
    ///    whose `usb:` table has the ID and that passes its name check;
    /// 2. each USB serial port still unmatched goes to the first entry whose
    ///    `usb_description` is part of the port's description (no name check);
    /// 3. each USB device goes to every `interface: direct_usb` entry whose
    ///    `usb:` table has its ID (no port).
    ///
    /// Per role a device found later replaces the chosen one only when its
    /// preference is strictly greater. Ports without a USB ID are never
    /// matched (the runner only looks at ports with a VID): reach them with `port:`.
    ///
    /// - Parameter nameCheck: called for entries with `check_name`, with the
    ///   entry's baud for the mode; see ``readDUTName(path:baud:quiet:)``.
    /// - Throws: when an entry that matched, or the file's last `dut` entry
    ///   (whose rate the runner resolves first), has no baud rate for `mode`.
    public func select(mode: Mode, serialPorts: [SerialPortInfo], usbDevices: [USBID],
                       nameCheck: DeviceNameCheck) throws(RunnerFileError) -> BenchSelection {
        var scan = Scan(file: self, mode: mode)
        try scan.run(serialPorts: serialPorts, usbDevices: usbDevices, nameCheck: nameCheck)
        let power = scan.chosen[.power]
        return BenchSelection(
            file: path, mode: mode, interface: scan.chosen[.interface], power: power, dut: scan.chosen[.dut], duts: scan.duts,
            dutBaud: try dutConfiguration?.baud(for: mode),
            supplyVoltage: dutConfiguration?.voltage ?? power?.entry.voltage,
            notes: scan.notes, serialPortsSeen: serialPorts, usbDevicesSeen: usbDevices,
            entries: entries, rejections: scan.rejections)
    }

    /// ``select(mode:serialPorts:usbDevices:nameCheck:)`` on this host's
    /// serial ports (libserialport) and, when the file has direct-USB
    /// entries, its USB devices (libusb); names are checked with
    /// ``readDUTName(path:baud:quiet:)`` unless another check is given.
    public func selectConnected(mode: Mode,
                                nameCheck: DeviceNameCheck = { path, baud in try readDUTName(path: path, baud: baud) }) throws -> BenchSelection {
        let ports = try SerialPortInfo.all()
        let usb = entries.contains { $0.isDirectUSB && $0.port == nil }
            ? try LibUSBDevice.connectedIDs().map { USBID(vendor: Int($0.vendor), product: Int($0.product)) }
            : []
        return try select(mode: mode, serialPorts: ports, usbDevices: usb, nameCheck: nameCheck)
    }
}

/// The state of one selection: the passes of `DeviceManager.scan()`.
private struct Scan {
    let file: DevicesFile
    let mode: Mode
    var chosen = [DeviceRole: SelectedDevice]()
    var duts = [SelectedDevice]()
    var notes = [String]()
    var rejections = [Rejection]()

    mutating func run(serialPorts: [SerialPortInfo], usbDevices: [USBID], nameCheck: DeviceNameCheck) throws(RunnerFileError) {
        let explicit = file.entries.filter { $0.port != nil }
        let scanned = file.entries.filter { $0.port == nil }
        var found = Set<Int>()  // entry indices

        var claimed = Set<String>()
        for entry in explicit {
            let port = entry.port!
            if try passesNameCheck(entry, port: port, seenAs: port, matchedBy: "its port: key", nameCheck: nameCheck) {
                try add(entry, port: port, match: .explicitPort, note: "\(port): \(Self.who(entry)) by its port: key")
                claimed.insert(port)
                found.insert(entry.index)
            }
        }

        // `if p.vid` in the runner: only ports that have a (non-zero) vendor id.
        let usbPorts = serialPorts.filter { ($0.vendorID ?? 0) != 0 && $0.productID != nil && !claimed.contains($0.path) }
        var matched = Set<String>()
        for port in usbPorts {
            let id = USBID(vendor: port.vendorID!, product: port.productID!)
            let seenAs = BenchSelection.describe(port)
            for entry in scanned where entry.usb.contains(id) {
                if try passesNameCheck(entry, port: port.path, seenAs: seenAs, matchedBy: "USB ID", nameCheck: nameCheck) {
                    try add(entry, port: port.path, match: .usbID(id), note: "\(seenAs): \(Self.who(entry)) by USB ID"
                            + (entry.checkName.map { ", answered name '\($0)'" } ?? ""))
                    matched.insert(port.path)
                    found.insert(entry.index)
                    break
                }
            }
        }

        for port in usbPorts where !matched.contains(port.path) {
            let seenAs = BenchSelection.describe(port)
            if let entry = scanned.first(where: { e in e.usbDescription.map { port.description.contains($0) } ?? false }) {
                try add(entry, port: port.path, match: .usbDescription(port.description),
                        note: "\(seenAs): \(Self.who(entry)) by usb_description '\(entry.usbDescription!)'")
                found.insert(entry.index)
            } else {
                notes.append("\(seenAs): no entry took it")
            }
        }

        for id in usbDevices {
            for entry in scanned where entry.isDirectUSB && entry.usb.contains(id) {
                try add(entry, port: nil, match: .directUSB(id), note: "USB device \(id): \(Self.who(entry)) by USB ID (direct USB)")
                found.insert(entry.index)
            }
        }

        for entry in file.entries where !found.contains(entry.index) {
            notes.append("\(Self.who(entry)) not found: wants \(BenchSelection.wants(entry))")
        }
    }

    /// `l4r5zi (dut)`.
    static func who(_ entry: DeviceEntry) -> String { "\(entry.name) (\(entry.role.rawValue))" }

    /// The runner's `precheck_device_name`: true without `check_name`, else
    /// whether the device answers `name%` with exactly that name.
    mutating func passesNameCheck(_ entry: DeviceEntry, port: String, seenAs: String, matchedBy: String,
                                  nameCheck: DeviceNameCheck) throws(RunnerFileError) -> Bool {
        guard let wanted = entry.checkName else { return true }
        guard let baud = try entry.baud(for: mode) else {
            throw RunnerFileError(file: file.path, line: entry.line, entry: entry.label, message: "check_name needs a baud: to ask the device its name at")
        }
        let prefix = "\(seenAs): \(Self.who(entry)) matches by \(matchedBy) but"
        let reason: String
        do {
            switch try nameCheck(port, baud) {
            case wanted?: return true
            case let other?: reason = "answered name '\(other)', check_name wants '\(wanted)'"
            case nil: reason = "gave no m-name-dut-[...] answer to name% at \(baud) baud"
            }
        } catch {
            reason = "could not be asked its name: \(error)"
        }
        let text = "\(prefix) \(reason): not associated"
        notes.append(text)
        rejections.append(Rejection(role: entry.role, text: text))
        return false
    }

    /// The runner's `_add_device`: the first device of a role is chosen, a
    /// later one only replaces it with a strictly greater preference.
    mutating func add(_ entry: DeviceEntry, port: String?, match: SelectedDevice.Match, note: String) throws(RunnerFileError) {
        let device = SelectedDevice(entry: entry, port: port, match: match, baud: try entry.baud(for: mode))
        notes.append(note)
        if entry.role == .dut { duts.append(device) }
        guard let current = chosen[entry.role] else {
            chosen[entry.role] = device
            return
        }
        let role = entry.role.rawValue
        if entry.preference > current.entry.preference {
            notes.append("\(role): \(entry.name) (preference \(entry.preference)) replaces \(current.entry.name) (preference \(current.entry.preference))")
            chosen[entry.role] = device
        } else {
            notes.append("\(role): \(current.entry.name) (preference \(current.entry.preference)) kept over \(entry.name) (preference \(entry.preference))")
        }
    }
}

/// Asks the device on a serial port its name the way the runner's
/// `precheck_device_name` does: sends `name%` and reads until the line has
/// been quiet for `quiet` (the runner's 1 s read timeout), then takes the
/// text of `m-name-dut-[...]`. Reading stops after 5 s or 64 KiB in any case,
/// so a device that never stops talking cannot hold the scan.
///
/// - Returns: the name, or nil when the answer has none.
public func readDUTName(path: String, baud: Int, quiet: Duration = .seconds(1)) throws(TransportError) -> String? {
    let transport = try openSerialPort(path: path, baud: baud)
    defer { transport.close() }
    try transport.write(Array("name%".utf8))
    var received = [UInt8]()
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline, received.count < 65_536 {
        let bytes = try transport.read(timeout: quiet)
        if bytes.isEmpty { break }
        received += bytes
    }
    // The runner stops at the first byte that is not UTF-8; boot noise at a
    // wrong rate is common on these lines, so it is replaced instead.
    return dutName(in: String(decoding: received, as: UTF8.self))
}

/// The name in the first `m-name-dut-[...]` of a response, as the runner's
/// `re.search(r"m-name-dut-\[(.*)\]")` finds it: from the bracket to the last
/// `]` on the same line.
public func dutName(in response: String) -> String? {
    // Bytes, not Characters: Swift joins CR LF into one Character, and the
    // regex's `.` stops at LF only.
    let bytes = Array(response.utf8)
    let marker = Array("m-name-dut-[".utf8)
    var from = 0
    while from + marker.count <= bytes.count {
        guard bytes[from..<(from + marker.count)].elementsEqual(marker) else {
            from += 1
            continue
        }
        let start = from + marker.count
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if let close = bytes[start..<end].lastIndex(of: UInt8(ascii: "]")) {
            return String(decoding: bytes[start..<close], as: UTF8.self)
        }
        from += 1
    }
    return nil
}
