/// The boards, probes and monitors a bench is made of, by USB vendor and
/// product id, so `tinybench doctor` can say what each port is.
public struct KnownDevice: Sendable, Equatable {
    public let vendorID: Int
    /// nil: any product of the vendor.
    public let productID: Int?
    public let name: String
    /// What the device is on a bench.
    public let role: String

    public static let all = [
        KnownDevice(vendorID: 0x0483, productID: 0x374B, name: "ST-LINK/V2-1", role: "a NUCLEO board's probe: the DUT's serial port"),
        KnownDevice(vendorID: 0x0483, productID: 0x3752, name: "ST-LINK/V2-1", role: "a NUCLEO board's probe: the DUT's serial port"),
        KnownDevice(vendorID: 0x0483, productID: 0x374E, name: "ST-LINK/V3", role: "a NUCLEO-H5/L4R5 or STM32H573I-DK probe: a DUT, or the enhanced interface board"),
        KnownDevice(vendorID: 0x0483, productID: 0x374F, name: "ST-LINK/V3", role: "a DUT's or the interface board's probe"),
        KnownDevice(vendorID: 0x0483, productID: 0x5740, name: "X-NUCLEO-LPM01A", role: "energy monitor (STM32 virtual COM port)"),
        KnownDevice(vendorID: 0x1915, productID: 0xC00A, name: "Nordic PPK2", role: "energy monitor"),
        KnownDevice(vendorID: 0x16D0, productID: 0x10BA, name: "Joulescope JS220", role: "energy monitor (USB, no serial port)"),
        KnownDevice(vendorID: 0x2341, productID: nil, name: "Arduino", role: "the Arduino IO manager interface board"),
    ]

    /// The known device with this USB id, if any.
    public static func matching(vendor: Int?, product: Int?) -> KnownDevice? {
        guard let vendor else { return nil }
        return all.first { $0.vendorID == vendor && ($0.productID == nil || $0.productID == product) }
    }

    /// Whether a port is worth probing with the DUT protocol (not a monitor).
    public var mayBeDUT: Bool { !role.hasPrefix("energy monitor") }
}
