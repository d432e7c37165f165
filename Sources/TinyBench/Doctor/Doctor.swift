import Foundation

/// One finding of `tinybench doctor`: what was checked, what was found, and
/// the fix when something is wrong.
public struct DoctorCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pass, warning, fail
    }

    public var name: String
    public var status: Status
    public var detail: String
    public var fix: String?
    /// True when the bench given needs this check to pass (a failure then makes doctor exit 1).
    public var required: Bool

    public init(_ name: String, _ status: Status, _ detail: String, fix: String? = nil, required: Bool = false) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
        self.required = required
    }
}

/// What a bench needs before a run, checked: serial ports (what they are,
/// permission, other programs holding them, a DUT handshake at 115200 and
/// 9600), libusb access for a JS220, QEMU and the Arm toolchain, the demo data.
public struct Doctor {
    /// What the bench given on the command line needs.
    public struct Needs: Sendable {
        /// DUT ports to check and probe (from --port or a devices file).
        public var ports: [String] = []
        public var qemu = false
        public var js220 = false
        public init() {}
    }

    public var needs: Needs
    /// Handshake timeout per rate.
    public var probeTimeout = 1.0
    /// Where commands are looked up (PATH).
    public var searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"

    public init(needs: Needs) {
        self.needs = needs
    }

    /// Checks as JSON (sorted keys, pretty printed).
    public static func json(_ checks: [DoctorCheck]) throws -> Data { try JSONOutput.encoder().encode(checks) }

    public func run(demoData: URL?) -> [DoctorCheck] {
        var checks = [DoctorCheck]()
        let listed = (try? SerialPortInfo.all()) ?? []
        for port in listed {
            let known = KnownDevice.matching(vendor: port.vendorID, product: port.productID)
            let what = known.map { "\($0.name): \($0.role)" } ?? (port.description.isEmpty ? "unknown device" : port.description)
            checks.append(DoctorCheck("port \(port.path)", .pass, "\(port.usbID.map { "USB \($0), " } ?? "")\(what)"))
        }
        if listed.isEmpty { checks.append(DoctorCheck("serial ports", .warning, "no serial port found", fix: "connect the board; `dmesg | tail` shows whether the kernel saw it")) }
        var probe = needs.ports
        for port in listed where !probe.contains(port.path) {
            if KnownDevice.matching(vendor: port.vendorID, product: port.productID)?.mayBeDUT == true { probe.append(port.path) }
        }
        for path in probe { checks += self.port(path, required: needs.ports.contains(path)) }
        checks.append(usb())
        checks.append(tool("qemu-system-arm", "QEMU (firmware under --qemu)", package: "qemu-system-arm", required: needs.qemu))
        checks.append(tool("arm-none-eabi-gcc", "Arm toolchain (firmware builds)", package: "gcc-arm-none-eabi libnewlib-arm-none-eabi", required: false))
        checks.append(demoData.map { DoctorCheck("demo data", .pass, $0.path) }
                      ?? DoctorCheck("demo data", .warning, "the bundled demo data (Datasets/demo) was not found", fix: "set TINYBENCH_DEMO=/path/to/Datasets/demo or pass --dataset"))
        return checks
    }

    /// A port: present, openable by this user, who else has it open, and whether a DUT answers on it.
    func port(_ path: String, required: Bool) -> [DoctorCheck] {
        let name = "port \(path)"
        if path.contains("://") { return [handshake(path, required: required)] }
        guard FileManager.default.fileExists(atPath: path) else {
            return [DoctorCheck(name, .fail, "does not exist", fix: "check the cable; `tinybench ports` lists the ports there are", required: required)]
        }
        var checks = [DoctorCheck]()
        if access(path, R_OK | W_OK) != 0 {
            let group = Self.group(of: path)
            checks.append(DoctorCheck(name, .fail, "no permission to open it (it belongs to group '\(group)')",
                                      fix: "sudo usermod -aG \(group) $USER, then log in again", required: required))
            return checks
        }
        let holders = Self.holders(of: path).filter { $0.pid != getpid() }
        if !holders.isEmpty {
            checks.append(DoctorCheck(name, .warning, "also open in " + holders.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", "),
                                      fix: "if that program talks to the board, stop it first (a serial port serves one program)"))
        }
        checks.append(handshake(path, required: required))
        return checks
    }

    /// `name%` at 115200 (a performance build), then at 9600 (an energy build).
    func handshake(_ path: String, required: Bool) -> DoctorCheck {
        var errors = [String]()
        for baud in [115_200, 9_600] {
            do {
                let transport = try openSerialPort(path: path, baud: baud)
                defer { transport.close() }
                let client = DUTClient(transport: transport, timeouts: .init(line: probeTimeout, infer: probeTimeout))
                _ = DUTClient.bootBanner(transport, quiet: .milliseconds(100))
                let identity = try client.identify()
                let build = baud == 115_200 ? "a performance/accuracy build" : "an energy build: it runs behind the interface board"
                return DoctorCheck("DUT on \(path)", .pass, "answers at \(baud) baud: '\(identity.name)'\(identity.model.isEmpty ? "" : ", model \(identity.model)") (\(build))", required: required)
            } catch {
                errors.append("\(baud): \(error)")
            }
        }
        return DoctorCheck("DUT on \(path)", required ? .fail : .warning, "no DUT answered `name%` at 115200 or 9600 baud (\(errors.joined(separator: "; ")))",
                           fix: "flash the benchmark firmware, press reset, and check it is this board's port", required: required)
    }

    func usb() -> DoctorCheck {
        let id = String(format: "%04x:%04x", JS220.vendorID, JS220.productID)
        guard let ids = try? LibUSBDevice.connectedIDs() else {
            return DoctorCheck("JS220 (libusb)", needs.js220 ? .fail : .warning, "libusb cannot list USB devices", required: needs.js220)
        }
        guard ids.contains(where: { $0.vendor == JS220.vendorID && $0.product == JS220.productID }) else {
            return DoctorCheck("JS220 (libusb)", needs.js220 ? .fail : .pass, "no JS220 (USB \(id)) is connected",
                               fix: needs.js220 ? "connect the Joulescope JS220" : nil, required: needs.js220)
        }
        do {
            let device = try LibUSBDevice.open(vendor: JS220.vendorID, product: JS220.productID)
            device.close()
            return DoctorCheck("JS220 (libusb)", .pass, "USB \(id) connected and accessible", required: needs.js220)
        } catch {
            return DoctorCheck("JS220 (libusb)", .fail, "USB \(id) connected but cannot be opened: \(error)",
                               fix: "add a udev rule: echo 'SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"16d0\", ATTRS{idProduct}==\"10ba\", MODE=\"0666\"' | sudo tee /etc/udev/rules.d/72-joulescope.rules && sudo udevadm control --reload && sudo udevadm trigger (Docs/energy.md)",
                               required: needs.js220)
        }
    }

    func tool(_ command: String, _ what: String, package: String, required: Bool) -> DoctorCheck {
        let found = searchPath.split(separator: ":").map { "\($0)/\(command)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let found else {
            return DoctorCheck(what, required ? .fail : .warning, "\(command) is not installed", fix: "sudo apt-get install \(package)", required: required)
        }
        return DoctorCheck(what, .pass, found, required: required)
    }

    /// The group owning a device node (dialout on Debian for ttyACM/ttyUSB).
    static func group(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0, let group = getgrgid(info.st_gid) else { return "dialout" }
        return String(cString: group.pointee.gr_name)
    }

    /// Processes with `path` open, from /proc/<pid>/fd (Linux; empty elsewhere).
    static func holders(of path: String) -> [(pid: Int32, command: String)] {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map {
            URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: path).deletingLastPathComponent()).standardizedFileURL.path
        } ?? path
        var found = [(pid: Int32, command: String)]()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry) else { continue }
            let fds = "/proc/\(entry)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? [] {
                guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\(fd)")) == target else { continue }
                let command = (try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                found.append((pid, command))
                break
            }
        }
        return found
    }
}
