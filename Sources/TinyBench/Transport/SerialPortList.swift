import CSerialPort

/// A serial port as the system describes it (through libserialport).
public struct SerialPortInfo: Sendable, Equatable, Codable {
    public var path: String
    public var description: String
    /// "usb", "native", "bluetooth" or "unknown".
    public var transport: String
    /// USB vendor and product id as `VVVV:PPPP` (hex), for USB ports.
    public var usbID: String?
    public var serialNumber: String?
    /// USB vendor id as a number, for USB ports (what a devices file's `usb:` table is matched against).
    public var vendorID: Int?
    /// USB product id as a number, for USB ports.
    public var productID: Int?

    public init(path: String, description: String = "", transport: String = "unknown", usbID: String? = nil,
                serialNumber: String? = nil, vendorID: Int? = nil, productID: Int? = nil) {
        self.path = path
        self.description = description
        self.transport = transport
        self.usbID = usbID
        self.serialNumber = serialNumber
        self.vendorID = vendorID
        self.productID = productID
    }

    /// A USB port with its ids, filled in as ``all()`` fills them.
    public static func usb(path: String, description: String = "", vendorID: Int, productID: Int, serialNumber: String? = nil) -> SerialPortInfo {
        SerialPortInfo(path: path, description: description, transport: "usb", usbID: String(format: "%04x:%04x", vendorID, productID),
                       serialNumber: serialNumber, vendorID: vendorID, productID: productID)
    }

    /// Every serial port on this machine.
    public static func all() throws(TransportError) -> [SerialPortInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        guard sp_list_ports(&list) == SP_OK, let ports = list else {
            throw .io("cannot list serial ports: \(SerialPortTransport.lastError())")
        }
        defer { sp_free_port_list(ports) }
        var out = [SerialPortInfo]()
        var i = 0
        while let port = ports[i] {
            func text(_ p: UnsafeMutablePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
            var info = SerialPortInfo(path: text(sp_get_port_name(port)) ?? "?", description: text(sp_get_port_description(port)) ?? "")
            switch sp_get_port_transport(port) {
            case SP_TRANSPORT_USB:
                info.transport = "usb"
                var vid: Int32 = 0, pid: Int32 = 0
                if sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK {
                    info.usbID = String(format: "%04x:%04x", vid, pid)
                    info.vendorID = Int(vid)
                    info.productID = Int(pid)
                }
                info.serialNumber = text(sp_get_port_usb_serial(port))
            case SP_TRANSPORT_NATIVE: info.transport = "native"
            case SP_TRANSPORT_BLUETOOTH: info.transport = "bluetooth"
            default: break
            }
            out.append(info)
            i += 1
        }
        return out
    }
}
