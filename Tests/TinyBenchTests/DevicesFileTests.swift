import Foundation
import Testing
@testable import TinyBench

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
        for mode in MeasurementMode.allCases { #expect(try board.baud(for: mode) == 115_200) }
        #expect(try js.baud(for: .energy) == nil)
        #expect(MeasurementMode(.energy) == .energy && MeasurementMode(.all) == nil)
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
}
