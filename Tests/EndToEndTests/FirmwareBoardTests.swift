import Foundation
import Testing
import TestSupport

/// The NUCLEO-L4R5ZI port cannot run here (QEMU has no STM32L4R5), so CI
/// builds it for every model and checks what decides whether it boots: the
/// vector table at the start of flash and the receive interrupt of the
/// build's UART.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/arm-none-eabi-gcc"), "arm-none-eabi-gcc is missing (make test installs it)"))
struct FirmwareBoardTests {
    static let flash: ClosedRange<UInt32> = 0x0800_0000...0x081F_FFFF

    /// Builds `model` for the Nucleo (performance or energy build) and returns firmware.bin.
    static func build(model: String, benchmark: String, energy: Bool) throws -> [UInt8] {
        try buildWithSize(model: model, benchmark: benchmark, energy: energy).image
    }

    /// The build and `arm-none-eabi-size`'s text, data and bss of firmware.elf.
    static func buildWithSize(model: String, benchmark: String, energy: Bool) throws -> (image: [UInt8], text: Int, data: Int, bss: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-nucleo-\(UUID().uuidString)")
        let generated = try CLI.run(["firmware", "generate", "--model", model, "--benchmark", benchmark, "--out", dir.path])
        try #require(generated.status == 0, "\(generated.stderr)")
        let make = try CLI.runTool("make", ["-C", FirmwareHostTests.firmware.path, "BOARD=nucleo-l4r5zi", "ENERGY=\(energy ? 1 : 0)",
                                            "MODEL_C=\(dir.path)/model.c", "OUT=\(dir.path)/build"])
        try #require(make.status == 0, "firmware build failed: \(make.stdout) \(make.stderr)")
        // The Makefile runs arm-none-eabi-size: "   text    data     bss     dec     hex filename", then the numbers.
        let lines = make.stdout.split(separator: "\n")
        let header = try #require(lines.firstIndex { $0.contains("text") && $0.contains("bss") }, "no size output in \(make.stdout)")
        let sizes = lines[header + 1].split(whereSeparator: \.isWhitespace).prefix(3).compactMap { Int($0) }
        try #require(sizes.count == 3, "size line: \(lines[header + 1])")
        return ([UInt8](try Data(contentsOf: dir.appendingPathComponent("build/firmware.bin"))), sizes[0], sizes[1], sizes[2])
    }

    /// The board's 2 MB of flash and 640 KB of SRAM, as the port's link.ld has them.
    static let flashBytes = 2048 * 1024, ramBytes = 640 * 1024

    /// ic02 is the largest model (482,888 weight bytes, a 123 KB activation
    /// arena): it fits the NUCLEO-L4R5ZI with room to spare, flash for the
    /// weights and code, SRAM for the arena, buffers and the 16 KB of stack
    /// the linker script insists on.
    @Test func theLargestModelFitsTheBoard() throws {
        let model = CLI.conformance != nil ? CLI.model("ic02") : HarnessData.demo.appendingPathComponent("models/ic02.tflite").path
        let build = try Self.buildWithSize(model: model, benchmark: "ic02", energy: false)
        let flash = build.text + build.data, ram = build.data + build.bss
        #expect(flash > 482_888 && flash < Self.flashBytes / 2, "flash: \(flash) of \(Self.flashBytes) bytes")
        #expect(ram > 122_880 && ram + 16 * 1024 < Self.ramBytes / 2, "RAM: \(ram) of \(Self.ramBytes) bytes")
    }

    static func vector(_ image: [UInt8], _ index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(image[index * 4 + $1]) << (8 * $1) }
    }

    /// sww01 (no demo model) with ../shared only; its firmware alone carries
    /// the streaming front end (the Makefile adds it for an sww01 model).
    @Test(arguments: ["kws01", "vww01", "ad01", "ic01", "ic02", "sww01"])
    func bothBuildsHaveABootableVectorTable(id: String) throws {
        if id == "sww01" && CLI.conformance == nil {
            print("sww01 NUCLEO-L4R5ZI build skipped: \(SharedData.skipReason)")
            return
        }
        let model = CLI.conformance != nil ? CLI.model(id) : HarnessData.demo.appendingPathComponent("models/\(id).tflite").path
        // LPUART1 (the ST-LINK virtual COM port) is IRQ 70; USART3 (D0/D1) is IRQ 39.
        for (energy, uartIRQ, otherIRQ) in [(false, 70, 39), (true, 39, 70)] {
            let image = try Self.build(model: model, benchmark: id, energy: energy)
            #expect(image.count > 16 * 1024 && image.count <= 2 * 1024 * 1024)
            #expect(Self.vector(image, 0) == 0x200A_0000, "initial stack pointer: the top of the 640 KB SRAM")
            for index in [1, 3, 16 + uartIRQ] {
                let handler = Self.vector(image, index)
                #expect(handler & 1 == 1 && Self.flash.contains(handler & ~1), "vector \(index) = \(String(handler, radix: 16))")
            }
            #expect(Self.vector(image, 16 + otherIRQ) == 0, "the other UART's interrupt stays unused")
            #expect((image.firstRange(of: Array("extract_uart_stream needs".utf8)) != nil) == (id == "sww01"), "sww01's front end in the \(id) firmware")
        }
    }
}
