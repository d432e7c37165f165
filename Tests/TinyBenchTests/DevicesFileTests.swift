import Foundation
import Testing
import TinyBench

/// A bench in the runner's devices.yaml format, as its kws/ic/vww file lays
/// it out: two interface boards, two monitors (one direct USB), one DUT.
private let bench = """
# interface boards, the preferred one first
- name: stm32h573i-dk
  type: interface
  preference: 2
  baud: 115200 # host <-> board
  usb:
    0x0483: 0x374E
- name: arduino
  type: interface
  preference: 1
  baud: 115200
  usb:
    0x2341:
      - 0x0043
      - 0x0001
    0x2a03:
      - 0x0043
      - 0x0243
- name: lpm01a
  type: power
  baud: 3686400
  echo: False
  preference: 2 # wins over the js220
  voltage: 1.8
  usb:
    0x0483: 0x5740 # 1155 / 22336
- name: l4r5zi
  type: dut
  baud:
    energy: 9600
    performance: 115200
    accuracy: 115200
  usb:
    0x0483: 0x374B
- name: js220
  type: power
  interface: direct_usb
  preference: 1
  raw_sampling_rate: 1000000
  virtual_sampling_rate: 1000
  usb:
    0x16D0: 0x10BA

"""

private let h573 = SerialPortInfo.usb(path: "/dev/ttyACM0", description: "STLINK-V3", vendorID: 0x0483, productID: 0x374E)
private let lpm = SerialPortInfo.usb(path: "/dev/ttyACM1", description: "PowerShield", vendorID: 0x0483, productID: 0x5740)
private let nucleo = SerialPortInfo.usb(path: "/dev/ttyACM2", description: "STM32 STLink", vendorID: 0x0483, productID: 0x374B)
private let nucleo2 = SerialPortInfo.usb(path: "/dev/ttyACM3", description: "STM32 STLink", vendorID: 0x0483, productID: 0x374B)
private let js220 = USBID(vendor: 0x16D0, product: 0x10BA)

/// A name check that must not be called: entries without check_name are never asked.
private func noNameCheck(_ path: String, _ baud: Int) -> String? {
    Issue.record("name check called for \(path)")
    return nil
}

private func devices(_ yaml: String) throws -> DevicesFile {
    try DevicesFile(yaml: yaml, path: "devices.yaml")
}

/// The error a devices file gives, for checking its line and text.
private func devicesError(_ yaml: String) -> RunnerFileError? {
    #expect(throws: RunnerFileError.self) { try devices(yaml) }
}

struct DevicesFileTests {
    // MARK: reading

    @Test func readsTheRunnersLayout() throws {
        let file = try devices(bench)
        #expect(file.entries.map(\.name) == ["stm32h573i-dk", "arduino", "lpm01a", "l4r5zi", "js220"])
        #expect(file.entries.map(\.role) == [.interface, .interface, .power, .dut, .power])
        #expect(file.entries.map(\.preference) == [2, 1, 2, 0, 1])
        #expect(file.warnings.isEmpty)

        // 0x0483 is read as the number 1155, as PyYAML reads it.
        #expect(file.entries[0].usb == [USBID(vendor: 1155, product: 0x374E)])
        #expect(file.entries[1].usb == [USBID(vendor: 0x2341, product: 0x43), USBID(vendor: 0x2341, product: 1),
                                        USBID(vendor: 0x2A03, product: 0x43), USBID(vendor: 0x2A03, product: 0x243)])
        let lpm01a = file.entries[2]
        #expect(lpm01a.echo == false && lpm01a.voltage == 1.8 && lpm01a.baud == .fixed(3_686_400) && !lpm01a.isDirectUSB)
        let dut = file.entries[3]
        #expect(dut.baud == .perMode(["energy": 9600, "performance": 115_200, "accuracy": 115_200]))
        #expect(dut.line == 27)
        let js = file.entries[4]
        #expect(js.isDirectUSB && js.rawSamplingRate == 1_000_000 && js.virtualSamplingRate == 1000 && js.baud == nil)
        #expect(file.dutConfiguration?.name == "l4r5zi")
    }

    @Test func decimalAndHexIdsAreTheSame() throws {
        let file = try devices("""
            - name: a
              type: dut
              usb: {1155: 14155}
            - name: b
              type: dut
              usb: {0x0483: [0x374b]}
            """)
        #expect(file.entries[0].usb == file.entries[1].usb)
        #expect(file.entries[0].usb.first?.description == "0483:374B")
    }

    @Test func baudResolvesPerMode() throws {
        let file = try devices(bench)
        let dut = file.entries[3], board = file.entries[0], js = file.entries[4]
        #expect(try dut.baud(for: .energy) == 9600)
        #expect(try dut.baud(for: .performance) == 115_200)
        #expect(try dut.baud(for: .accuracy) == 115_200)
        for mode in Mode.allCases { #expect(try board.baud(for: mode) == 115_200) }
        #expect(try js.baud(for: .energy) == nil)
    }

    @Test func aBaudMapWithoutTheModeIsAnError() throws {
        let file = try devices("""
            - name: l4r5zi
              type: dut
              usb: {0x0483: 0x374B}
              baud:
                performance: 921600
                accuracy: 921600
            """)
        let error = #expect(throws: RunnerFileError.self) { try file.entries[0].baud(for: .energy) }
        #expect(error?.line == 4)
        #expect(error?.description == "devices.yaml:4: entry 1 (l4r5zi): baud has no rate for energy mode (it has: accuracy, performance)")
        #expect(try file.entries[0].baud(for: .accuracy) == 921_600)
    }

    @Test func missingNameOrTypeIsAnError() {
        let noName = devicesError("""
            - name: board
              type: interface
              usb: {0x0483: 0x374E}
            - type: dut
              usb: {0x0483: 0x374B}
            """)
        #expect(noName?.line == 4)
        #expect(noName?.entry == "entry 2")
        #expect(noName?.message == "has no name:")

        let noType = devicesError("""
            - name: l4r5zi
              usb: {0x0483: 0x374B}
            """)
        #expect(noType?.description == "devices.yaml:1: entry 1 (l4r5zi): has no type: (interface, power or dut)")

        let badType = devicesError("""
            - name: l4r5zi

              type: device
            """)
        #expect(badType?.line == 3)
        #expect(badType?.message == "type 'device' is none of interface, power, dut")
    }

    @Test func usbIdsMustBeNumbers() {
        let word = devicesError("""
            - name: l4r5zi
              type: dut
              usb:
                0x0483: nucleo
            """)
        #expect(word?.line == 4)
        #expect(word?.message.hasPrefix("USB product id must be a number like 0x0483 or 1155, not nucleo") == true)

        // Quoted, it is text to PyYAML, which never equals the port's number.
        let quoted = devicesError("""
            - name: l4r5zi
              type: dut
              usb:
                "0x0483": 0x374B
            """)
        #expect(quoted?.line == 4)
        #expect(quoted?.message.contains("USB vendor id") == true)
        #expect(quoted?.message.contains("quoted") == true)

        let inList = devicesError("""
            - name: arduino
              type: interface
              usb:
                0x2341:
                  - 0x0043
                  - 0x1_0000
            """)
        #expect(inList?.line == 6)
        #expect(inList?.message.contains("out of range") == true)

        let twice = devicesError("""
            - name: l4r5zi
              type: dut
              usb: {0x0483: 0x374B, 1155: 0x374E}
            """)
        #expect(twice?.message == "vendor id 0x0483 appears twice in usb")
    }

    @Test func otherBadValuesAreNamed() {
        #expect(devicesError("- name: x\n  type: dut\n  baud: fast\n")?.line == 3)
        #expect(devicesError("- name: x\n  type: dut\n  baud: {energy: -9600}\n")?.message == "baud for energy must be a positive whole number, not -9600")
        #expect(devicesError("- name: x\n  type: dut\n  preference: high\n")?.message == "preference must be a whole number, not high")
        #expect(devicesError("- name: x\n  type: power\n  echo: sometimes\n")?.message == "echo must be True or False, not sometimes")
        #expect(devicesError("- name: x\n  type: power\n  voltage: 0\n")?.line == 3)
        #expect(devicesError("- name: x\n  type: dut\n  usb_description: \"\"\n")?.message.contains("every USB serial port") == true)
        #expect(devicesError("")?.message.hasPrefix("is empty") == true)
        #expect(devicesError("name: x\ntype: dut\n")?.message.hasPrefix("expected a list of devices") == true)
        #expect(devicesError("- just a string\n")?.message.hasPrefix("expected a device") == true)
        // Yams' own errors keep their line.
        let syntax = devicesError("- name: x\n  type: dut\n  usb: {0x0483: 0x374B\n")
        #expect(syntax?.message.hasPrefix("not valid YAML") == true)
        #expect(syntax?.line != nil)
        let duplicate = devicesError("- name: x\n  type: dut\n  name: y\n")
        #expect(duplicate?.message.contains("duplicate key 'name'") == true)
        #expect(duplicate?.line != nil)
    }

    @Test func unknownKeysAreKeptAndWarnedAbout() throws {
        let file = try devices("""
            - name: l4r5zi
              type: dut
              check-name: l4r5zi
              usb: {0x0483: 0x374B}
              baud: {energy: 9600, performace: 115200}
            - name: orphan
              type: power
            """)
        #expect(file.entries[0].unknownKeys == ["check-name"])
        #expect(file.entries[0].checkName == nil)
        #expect(file.warnings == [
            "devices.yaml:3: entry 1 (l4r5zi): unknown key 'check-name' ignored (the runner ignores it too)",
            "devices.yaml:5: entry 1 (l4r5zi): baud key 'performace' is none of performance, accuracy, energy: never used",
            "devices.yaml:6: entry 2 (orphan): has no usb:, usb_description: or port:, so it can never be found",
        ])
    }

    @Test func aMissingFileIsNamed() {
        let error = #expect(throws: RunnerFileError.self) { try DevicesFile(contentsOf: "/nonexistent/devices.yaml") }
        #expect(error?.description == "/nonexistent/devices.yaml: no such file")
    }

    // MARK: selecting

    @Test func portsAreMatchedByUSBID() throws {
        let file = try devices(bench)
        let ports = [SerialPortInfo(path: "/dev/ttyS0", description: "ttyS0", transport: "native"), nucleo, lpm, h573]
        let performance = try file.select(mode: .performance, serialPorts: ports, usbDevices: [], nameCheck: noNameCheck)
        #expect(performance.interface?.entry.name == "stm32h573i-dk")
        #expect(performance.interface?.port == "/dev/ttyACM0")
        #expect(performance.interface?.match == .usbID(USBID(vendor: 0x0483, product: 0x374E)))
        #expect(performance.power?.entry.name == "lpm01a")
        #expect(performance.power?.baud == 3_686_400)
        #expect(performance.dut?.port == "/dev/ttyACM2")
        #expect(performance.dut?.baud == 115_200)
        #expect(performance.duts.map(\.port) == ["/dev/ttyACM2"])
        #expect(performance.dutBaud == 115_200)
        #expect(performance.supplyVoltage == 1.8)
        #expect(performance.notes.contains("/dev/ttyACM2 (USB 0483:374B, \"STM32 STLink\"): l4r5zi (dut) by USB ID"))
        #expect(performance.notes.contains("arduino (interface) not found: wants USB 2341:0043 or 2341:0001 or 2A03:0043 or 2A03:0243"))

        let energy = try file.select(mode: .energy, serialPorts: ports, usbDevices: [], nameCheck: noNameCheck)
        #expect(energy.dut?.baud == 9600)
        #expect(energy.dutBaud == 9600)
    }

    @Test func aGreaterPreferenceWinsWhicheverIsFoundFirst() throws {
        let file = try devices(bench)
        let both = try file.select(mode: .energy, serialPorts: [lpm], usbDevices: [js220], nameCheck: noNameCheck)
        #expect(both.power?.entry.name == "lpm01a")
        #expect(both.power?.port == "/dev/ttyACM1")
        #expect(both.notes.contains("power: lpm01a (preference 2) kept over js220 (preference 1)"))

        // The sww file's preferences: the js220, found last, replaces the lpm01a.
        let swapped = try devices(bench.replacingOccurrences(of: "preference: 2 # wins over the js220", with: "preference: 1")
            .replacingOccurrences(of: "interface: direct_usb\n  preference: 1", with: "interface: direct_usb\n  preference: 2"))
        let js = try swapped.select(mode: .energy, serialPorts: [lpm], usbDevices: [js220], nameCheck: noNameCheck)
        #expect(js.power?.entry.name == "js220")
        #expect(js.power?.port == nil)
        #expect(js.power?.match == .directUSB(js220))
        #expect(js.notes.contains("power: js220 (preference 2) replaces lpm01a (preference 1)"))

        // Equal preferences: the first found stays (pass 1, ports, before pass 3, USB devices).
        let tie = try devices(bench.replacingOccurrences(of: "interface: direct_usb\n  preference: 1", with: "interface: direct_usb\n  preference: 2"))
        #expect(try tie.select(mode: .energy, serialPorts: [lpm], usbDevices: [js220], nameCheck: noNameCheck).power?.entry.name == "lpm01a")
    }

    @Test func checkNameRejectsTheWrongBoard() throws {
        let file = try devices(bench.replacingOccurrences(of: "- name: l4r5zi\n  type: dut\n", with: "- name: l4r5zi\n  type: dut\n  check_name: l4r5zi\n"))
        var asked = [String]()
        let answers = ["/dev/ttyACM2": "nucleo-u575", "/dev/ttyACM3": "l4r5zi"]
        let selection = try file.select(mode: .energy, serialPorts: [nucleo, nucleo2], usbDevices: []) { path, baud in
            asked.append("\(path)@\(baud)")
            return answers[path]
        }
        #expect(asked == ["/dev/ttyACM2@9600", "/dev/ttyACM3@9600"])
        #expect(selection.dut?.port == "/dev/ttyACM3")
        #expect(selection.duts.count == 1)
        #expect(selection.notes.contains(
            "/dev/ttyACM2 (USB 0483:374B, \"STM32 STLink\"): l4r5zi (dut) matches by USB ID but answered name 'nucleo-u575', check_name wants 'l4r5zi': not associated"))
        #expect(selection.notes.contains("/dev/ttyACM3 (USB 0483:374B, \"STM32 STLink\"): l4r5zi (dut) by USB ID, answered name 'l4r5zi'"))

        // Only wrong or silent boards: no DUT, and the error says what was seen and why it was refused.
        let none = try file.select(mode: .performance, serialPorts: [h573, nucleo, nucleo2], usbDevices: []) { path, _ in
            if path == "/dev/ttyACM3" { throw TransportError.busy(path) }
            return path == "/dev/ttyACM2" ? nil : "l4r5zi"
        }
        #expect(none.dut == nil && none.duts.isEmpty)
        let error = #expect(throws: RunnerFileError.self) { try none.require(.dut) }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("devices.yaml: no dut found for performance mode: l4r5zi wants USB 0483:374B answering name% with 'l4r5zi'"))
        #expect(message.contains("serial ports seen: /dev/ttyACM0 (USB 0483:374E, \"STLINK-V3\"), /dev/ttyACM2"))
        #expect(message.contains("/dev/ttyACM2 (USB 0483:374B, \"STM32 STLink\"): l4r5zi (dut) matches by USB ID but gave no m-name-dut-[...] answer to name% at 115200 baud"))
        #expect(message.contains("could not be asked its name: serial port /dev/ttyACM3 is in use by another program"))
        #expect(try none.require(.interface).port == "/dev/ttyACM0")
    }

    @Test func aPortRefusedByTheNameCheckCanStillMatchADescription() throws {
        // The runner's second pass looks at every USB port the first did not
        // associate, including those a name check refused.
        let file = try devices("""
            - name: l4r5zi
              type: dut
              check_name: l4r5zi
              baud: 115200
              usb: {0x0483: 0x374B}
            - name: any-stlink
              type: dut
              usb_description: STLink
              baud: 115200
            """)
        let selection = try file.select(mode: .accuracy, serialPorts: [nucleo], usbDevices: []) { _, _ in "other" }
        #expect(selection.dut?.entry.name == "any-stlink")
        #expect(selection.dut?.match == .usbDescription("STM32 STLink"))
    }

    @Test func descriptionsMatchUSBPortsOnly() throws {
        let file = try devices("""
            - name: uno
              type: interface
              baud: 115200
              usb_description: Arduino
            """)
        let uno = SerialPortInfo.usb(path: "/dev/ttyACM5", description: "Arduino Uno", vendorID: 0x1234, productID: 0x5678)
        let native = SerialPortInfo(path: "/dev/ttyS1", description: "Arduino on a UART", transport: "native")
        let selection = try file.select(mode: .performance, serialPorts: [native, uno], usbDevices: [], nameCheck: noNameCheck)
        #expect(selection.interface?.port == "/dev/ttyACM5")
        #expect(selection.interface?.match == .usbDescription("Arduino Uno"))
        let nativeOnly = try file.select(mode: .performance, serialPorts: [native], usbDevices: [], nameCheck: noNameCheck)
        #expect(nativeOnly.interface == nil)
    }

    @Test func directUSBDevicesHaveNoPort() throws {
        let file = try devices(bench)
        let selection = try file.select(mode: .energy, serialPorts: [], usbDevices: [USBID(vendor: 0x1D6B, product: 2), js220],
                                        nameCheck: noNameCheck)
        #expect(selection.power?.entry.name == "js220")
        #expect(selection.power?.port == nil)
        #expect(selection.power?.baud == nil)
        #expect(selection.notes.contains("USB device 16D0:10BA: js220 (power) by USB ID (direct USB)"))
        // Only direct_usb entries are matched among USB devices: the lpm01a's id there is not a port.
        let lpmOnBus = try file.select(mode: .energy, serialPorts: [], usbDevices: [USBID(vendor: 0x0483, product: 0x5740)],
                                       nameCheck: noNameCheck)
        #expect(lpmOnBus.power == nil)
        #expect(lpmOnBus.supplyVoltage == nil)
    }

    @Test func explicitPortsBypassUSB() throws {
        let file = try devices("""
            - name: l4r5zi
              type: dut
              check_name: l4r5zi
              baud: {energy: 9600, performance: 115200, accuracy: 115200}
              port: rfc2217://lab-host:4001
            - name: stm32h573i-dk
              type: interface
              baud: 115200
              port: /dev/ttyACM0
            - name: other-board
              type: interface
              preference: 5
              baud: 115200
              usb: {0x0483: 0x374E}
            """)
        var asked = [String]()
        let selection = try file.select(mode: .performance, serialPorts: [h573], usbDevices: []) { path, baud in
            asked.append("\(path)@\(baud)")
            return "l4r5zi"
        }
        #expect(asked == ["rfc2217://lab-host:4001@115200"])
        #expect(selection.dut?.port == "rfc2217://lab-host:4001")
        #expect(selection.dut?.match == .explicitPort)
        // /dev/ttyACM0 is the explicit interface's: no other entry gets it, however preferred.
        #expect(selection.interface?.entry.name == "stm32h573i-dk")
        #expect(selection.interface?.match == .explicitPort)
        #expect(selection.notes.contains("other-board (interface) not found: wants USB 0483:374E"))

        let refused = try file.select(mode: .performance, serialPorts: [], usbDevices: []) { _, _ in "ic-board" }
        #expect(refused.dut == nil)
        #expect(refused.notes.contains(
            "rfc2217://lab-host:4001: l4r5zi (dut) matches by its port: key but answered name 'ic-board', check_name wants 'l4r5zi': not associated"))
    }

    @Test func everyMatchingDUTIsListed() throws {
        let file = try devices(bench)
        let selection = try file.select(mode: .accuracy, serialPorts: [nucleo, h573, nucleo2], usbDevices: [], nameCheck: noNameCheck)
        #expect(selection.duts.map(\.port) == ["/dev/ttyACM2", "/dev/ttyACM3"])
        #expect(selection.duts.allSatisfy { $0.entry.name == "l4r5zi" && $0.baud == 115_200 })
        #expect(selection.dut?.port == "/dev/ttyACM2")
        #expect(selection.notes.contains("dut: l4r5zi (preference 0) kept over l4r5zi (preference 0)"))
    }

    @Test func aMatchedDeviceWithoutTheModesBaudIsAnError() throws {
        let file = try devices("""
            - name: l4r5zi
              type: dut
              baud: {performance: 921600}
              usb: {0x0483: 0x374B}
            """)
        #expect(try file.select(mode: .performance, serialPorts: [nucleo], usbDevices: [], nameCheck: noNameCheck).dut?.baud == 921_600)
        let error = #expect(throws: RunnerFileError.self) {
            try file.select(mode: .energy, serialPorts: [nucleo], usbDevices: [], nameCheck: noNameCheck)
        }
        #expect(error?.message.contains("no rate for energy mode") == true)
    }

    @Test func requireNamesAMissingRole() throws {
        let file = try devices("- name: l4r5zi\n  type: dut\n  baud: 115200\n  usb: {0x0483: 0x374B}\n")
        let selection = try file.select(mode: .energy, serialPorts: [], usbDevices: [], nameCheck: noNameCheck)
        let error = #expect(throws: RunnerFileError.self) { try selection.require(.power) }
        #expect(error?.description == "devices.yaml: no power found: the file has no entry of type power")
        let dut = #expect(throws: RunnerFileError.self) { try selection.require(.dut) }
        #expect(dut?.description == "devices.yaml: no dut found for energy mode: l4r5zi wants USB 0483:374B; serial ports seen: none")
    }

    // MARK: asking a DUT its name

    @Test func theNameIsTakenAsTheRunnersRegexTakesIt() {
        #expect(dutName(in: "m-name-dut-[l4r5zi]\r\nm-ready\r\n") == "l4r5zi")
        #expect(dutName(in: "\u{FFFD}garbage\r\nm-name-dut-[MLPerf Tiny ref]\r\nm-ready\r\n") == "MLPerf Tiny ref")
        // Greedy up to the last bracket of the line, not across lines.
        #expect(dutName(in: "m-name-dut-[a] [b]\r\n[c]\r\n") == "a] [b")
        #expect(dutName(in: "m-name-dut-[cut\r\nm-name-dut-[whole]\r\n") == "whole")
        #expect(dutName(in: "m-name-[l4r5zi]\r\nm-ready\r\n") == nil)
        #expect(dutName(in: "") == nil)
    }

    /// Plays a DUT on a pseudo-terminal, on its own thread because the name
    /// check blocks: waits for `name%`, answers with `lines` in two writes,
    /// then stays quiet. The returned wait gives what it heard.
    private func dutAnswering(_ lines: String, on pty: PseudoTerminal) -> () -> [UInt8] {
        nonisolated(unsafe) let host = pty.host
        nonisolated(unsafe) var heard = [UInt8]()
        let answered = DispatchSemaphore(value: 0)
        Thread {
            // Until the client opens its side, reading the controlling side fails at once (EIO): retry.
            let deadline = Date().addingTimeInterval(5)
            while heard.count < 5, Date() < deadline {
                if let bytes = try? host.read(timeout: .milliseconds(100)) { heard += bytes } else { Thread.sleep(forTimeInterval: 0.01) }
            }
            let half = lines.index(lines.startIndex, offsetBy: lines.count / 2)
            try? host.write(Array(lines[..<half].utf8))
            Thread.sleep(forTimeInterval: 0.1)
            try? host.write(Array(lines[half...].utf8))
            answered.signal()
        }.start()
        return {
            answered.wait()
            return heard
        }
    }

    @Test func aDUTIsAskedItsNameOverItsPort() throws {
        let pty = try PseudoTerminal()
        let heard = dutAnswering("m-name-dut-[l4r5zi]\r\nm-ready\r\n", on: pty)
        #expect(try readDUTName(path: pty.path, baud: 115_200, quiet: .milliseconds(500)) == "l4r5zi")
        #expect(heard() == Array("name%".utf8))
        // Nothing on the line: no name, after one quiet period.
        #expect(try readDUTName(path: pty.path, baud: 115_200, quiet: .milliseconds(200)) == nil)
        #expect(throws: TransportError.notFound("/dev/ttyNOSUCH9")) { try readDUTName(path: "/dev/ttyNOSUCH9", baud: 115_200) }
    }

    /// The whole path on this host: its real port list, and the real name check of a board on a pseudo-terminal.
    @Test func selectConnectedChecksTheNameOnTheRealPort() throws {
        let pty = try PseudoTerminal()
        let file = try devices("""
            - name: l4r5zi
              type: dut
              check_name: l4r5zi
              baud: {energy: 9600, performance: 115200, accuracy: 115200}
              port: \(pty.path)
            """)
        let heard = dutAnswering("m-timestamp-mode-performance\r\nm-name-dut-[l4r5zi]\r\nm-ready\r\n", on: pty)
        let selection = try file.selectConnected(mode: .accuracy)
        #expect(heard() == Array("name%".utf8))
        #expect(selection.dut?.port == pty.path)
        #expect(selection.dut?.baud == 115_200)
        #expect(selection.serialPortsSeen == (try SerialPortInfo.all()))
    }

    // MARK: tests files

    /// The runner's three tests files for kws01, ad01, ic02 and sww01, in its layout.
    static let testsFiles = [
        Mode.performance: """
            ad01:
              name: anomaly_detection
              model: ad01
              truth_file: y_labels.csv
              script:
                - loop 5:
                  - download
                  - infer 1500 10
            ic02:
              name: image_classification
              model: ic01     # ic02 runs on the ic01 dataset
              truth_file: y_labels.csv
              script:
                - loop:
                  - download
                  - infer 20 5
            kws01:
              name: keyword_spotting
              model: kws01
              truth_file: y_labels.csv
              script:
                - loop 5:
                  - download
                  - infer 70 10
            sww01:
              name: streaming_wakeword
              model: sww01
              truth_file: sww_long_test.json
              script:
                - stream
            """,
        .accuracy: """
            ad01:
              name: anomaly_detection
              model: ad01
              truth_file: y_labels.csv
              script:
                - loop:
                  - download
                  - infer 1 0 # inferences, warm-ups
                  - reset 20
            ic02:
              name: image_classification
              model: ic01
              truth_file: y_labels.csv
              script:
                - loop:
                  - download
                  - infer 1 0
            kws01:
              name: keyword_spotting
              model: kws01
              truth_file: y_labels.csv
              script:
                - loop:
                  - download
                  - infer 1 0
            sww01:
              name: streaming_wakeword
              model: sww01
              truth_file: sww_long_test.json
              script:
                - loop:
                  - stream
            """,
        .energy: """
            ad01:
              model: ad01
              truth_file: y_labels.csv
              script:
                - loop 5:
                  - download
                  - infer 1500 0
            ic02:
              model: ic01
              truth_file: y_labels.csv
              script:
                - loop 5:
                  - download
                  - infer 20 0
            kws01:
              model: kws01
              truth_file: y_labels.csv
              script:
                - loop 5:
                  - download
                  - infer 70 10
            """,
    ]

    private func tests(_ mode: Mode) throws -> TestsFile {
        try TestsFile(yaml: Self.testsFiles[mode]!, path: "tests_\(mode.rawValue).yaml")
    }

    /// (loop count, inferences, warm-ups) of a benchmark's plan.
    private func counts(_ file: TestsFile, _ id: String) throws -> [Int?] {
        let plan = try file.plan(for: id)
        return [plan.loopCount, plan.inferences, plan.warmups]
    }

    @Test func testsFilesGiveTheCountsPerMode() throws {
        let performance = try tests(.performance), accuracy = try tests(.accuracy), energy = try tests(.energy)
        #expect(performance.warnings.isEmpty && accuracy.warnings.isEmpty && energy.warnings.isEmpty)
        #expect(try counts(performance, "kws01") == [5, 70, 10])
        #expect(try counts(accuracy, "kws01") == [nil, 1, 0])
        #expect(try counts(energy, "kws01") == [5, 70, 10])
        #expect(try counts(performance, "ad01") == [5, 1500, 10])
        #expect(try counts(accuracy, "ad01") == [nil, 1, 0])
        #expect(try counts(energy, "ad01") == [5, 1500, 0])
        #expect(try accuracy.plan(for: "ad01").watchdogSeconds == 20)
        #expect(try performance.plan(for: "ad01").watchdogSeconds == nil)
        // ic02's performance loop has no count: the whole dataset, as the runner does.
        #expect(try counts(performance, "ic02") == [nil, 20, 5])
        #expect(try counts(accuracy, "ic02") == [nil, 1, 0])
        #expect(try counts(energy, "ic02") == [5, 20, 0])

        let ic02 = try performance.plan(for: "ic02")
        #expect(ic02.datasetFolder == "ic01")
        #expect(ic02.truthFile == "y_labels.csv")
        #expect(ic02.name == "image_classification")
        #expect(!ic02.streams)
        #expect(performance.script(for: "ic02")?.steps == [.loop(count: nil, steps: [.download(index: nil), .infer(inferences: 20, warmups: 5)])])
    }

    @Test func streamingScriptsStream() throws {
        let once = try tests(.performance).plan(for: "sww01")
        #expect(once.streams && once.loopCount == 1 && once.inferences == nil)
        #expect(once.truthFile == "sww_long_test.json")
        let everyFile = try tests(.accuracy).plan(for: "sww01")
        #expect(everyFile.streams && everyFile.loopCount == nil)
        let missing = #expect(throws: RunnerFileError.self) { try tests(.energy).plan(for: "sww01") }
        #expect(missing?.description == "tests_energy.yaml: has no script for sww01 (it has: ad01, ic02, kws01)")
    }

    @Test func stepsAreReadAsTheRunnerReadsThem() throws {
        let file = try TestsFile(yaml: """
            vww01:
              model: vww01
              script:
                - loop -1:
                  - download
                  - infer
                - loop 2:
                  - download 3
                  - infer 10 2 0.5
                  - stream 1
            """, path: "t.yaml")
        #expect(file.script(for: "vww01")?.steps == [
            .loop(count: nil, steps: [.download(index: nil), .infer(inferences: 1, warmups: 0)]),
            .loop(count: 2, steps: [.download(index: 3), .infer(inferences: 10, warmups: 2), .stream(index: 1)]),
        ])
        // Read, but more than a session runs: the plan says why.
        let error = #expect(throws: RunnerFileError.self) { try file.plan(for: "vww01") }
        #expect(error?.description == "t.yaml:1: vww01: script not supported: more than one loop")
    }

    @Test func unknownStepsAreErrors() {
        func error(_ yaml: String) -> RunnerFileError? {
            #expect(throws: RunnerFileError.self) { try TestsFile(yaml: yaml, path: "t.yaml") }
        }
        let unknown = error("""
            kws01:
              model: kws01
              script:
                - loop 5:
                  - download
                  - infer 70 10
                  - calibrate
            """)
        #expect(unknown?.description == "t.yaml:7: kws01: unknown step 'calibrate' (the runner knows loop, download, infer, reset, stream)")
        #expect(error("kws01:\n  model: kws01\n  script:\n    - loop\n")?.message.contains("needs its steps as a nested list") == true)
        #expect(error("kws01:\n  model: kws01\n  script:\n    - infer seventy\n")?.message == "'infer seventy': 'seventy' is not a whole number")
        #expect(error("kws01:\n  model: kws01\n  script:\n    - infer 0 1\n")?.message == "'infer 0 1': 0 is below 1")
        #expect(error("kws01:\n  model: kws01\n  script:\n    - loop 0:\n      - download\n")?.line == 4)
        #expect(error("kws01:\n  model: kws01\n  script:\n    - download: 3\n")?.message == "only loop takes nested steps, not 'download'")
        #expect(error("kws01:\n  script:\n    - stream\n")?.message == "has no model: (the dataset folder)")
        #expect(error("- kws01\n")?.message.hasPrefix("expected a mapping of benchmark ids") == true)
    }

    // MARK: the examples in Docs/examples

    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Docs/examples")

    @Test func theNucleoLPM01AExampleSelectsItsBench() throws {
        let file = try DevicesFile(contentsOf: Self.examples.appendingPathComponent("devices-nucleo-lpm01a-h573.yaml").path)
        #expect(file.warnings.isEmpty)
        let ports = [SerialPortInfo.usb(path: "/dev/ttyACM1", description: "PowerShield", vendorID: 0x0483, productID: 0x5740), h573]
        let energy = try file.select(mode: .energy, serialPorts: ports, usbDevices: [], nameCheck: noNameCheck)
        #expect(try energy.require(.interface).port == "/dev/ttyACM0")
        #expect(try energy.require(.power).baud == 3_686_400)
        #expect(energy.supplyVoltage == 3.0)
        #expect(energy.dutBaud == 9600)
        #expect(energy.dut == nil)
        let performance = try file.select(mode: .performance, serialPorts: [nucleo], usbDevices: []) { _, baud in
            baud == 115_200 ? "l4r5zi" : nil
        }
        #expect(performance.dut?.port == "/dev/ttyACM2")
    }

    @Test func thePPK2ExampleFindsThePPK2() throws {
        let file = try DevicesFile(contentsOf: Self.examples.appendingPathComponent("devices-ppk2.yaml").path)
        #expect(file.warnings.isEmpty)
        let ppk2 = SerialPortInfo.usb(path: "/dev/ttyACM4", description: "PPK2", vendorID: 0x1915, productID: 0xC00A)
        let selection = try file.select(mode: .energy, serialPorts: [ppk2, h573], usbDevices: [], nameCheck: noNameCheck)
        #expect(selection.power?.entry.name == "ppk2")
        #expect(selection.power?.port == "/dev/ttyACM4")
        #expect(selection.supplyVoltage == 3.0)
    }

    @Test func theRemoteExampleUsesItsPorts() throws {
        let file = try DevicesFile(contentsOf: Self.examples.appendingPathComponent("devices-remote.yaml").path)
        #expect(file.warnings.isEmpty)
        let selection = try file.select(mode: .performance, serialPorts: [nucleo], usbDevices: []) { _, _ in "l4r5zi" }
        #expect(selection.interface?.port == "rfc2217://lab-host:4002")
        #expect(selection.duts.map(\.port) == ["rfc2217://lab-host:4001", "/dev/ttyACM2"])
        #expect(selection.dut?.port == "rfc2217://lab-host:4001")
    }
}
