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
            var info = SerialPortInfo(path: text(sp_get_port_name(port)) ?? "?", description: text(sp_get_port_description(port)) ?? "",
                                      transport: "unknown", usbID: nil, serialNumber: nil)
            switch sp_get_port_transport(port) {
            case SP_TRANSPORT_USB:
                info.transport = "usb"
                var vid: Int32 = 0, pid: Int32 = 0
                if sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK {
                    info.usbID = String(format: "%04x:%04x", vid, pid)
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
