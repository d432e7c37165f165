import CLibUSB
import Foundation

/// A USB device with bulk endpoints and vendor control requests: the seam
/// between a USB instrument's driver (``JS220``) and libusb, so the driver
/// runs against an emulated device in tests.
public protocol USBBulkDevice: AnyObject {
    var endpoint: String { get }
    /// A vendor IN control request to the device (bmRequestType 0xC0).
    func controlIn(request: UInt8, value: UInt16, length: Int, timeout: Duration) throws(TransportError) -> [UInt8]
    func bulkWrite(endpoint: UInt8, _ bytes: [UInt8], timeout: Duration) throws(TransportError)
    /// One bulk IN transfer (up to `length` bytes); empty when nothing came in time.
    func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws(TransportError) -> [UInt8]
    func close()
}

/// A device opened through libusb by vendor and product id, interface 0 claimed.
public final class LibUSBDevice: USBBulkDevice, @unchecked Sendable {
    public let endpoint: String
    private var context: OpaquePointer?
    private var handle: OpaquePointer?

    public static func open(vendor: UInt16, product: UInt16) throws(TransportError) -> LibUSBDevice {
        try LibUSBDevice(vendor: vendor, product: product)
    }

    /// Vendor and product id of every device on the USB buses. Reading
    /// descriptors needs no access to the device nodes, so this lists devices
    /// that ``open(vendor:product:)`` may still be refused.
    public static func connectedIDs() throws(TransportError) -> [(vendor: UInt16, product: UInt16)] {
        var ctx: OpaquePointer?
        guard libusb_init(&ctx) == 0 else { throw .io("libusb could not start") }
        defer { libusb_exit(ctx) }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(ctx, &list)
        guard count >= 0, let list else { throw .io("cannot list USB devices: \(message(Int32(clamping: count)))") }
        defer { libusb_free_device_list(list, 1) }
        var ids = [(vendor: UInt16, product: UInt16)]()
        for i in 0..<count {
            var descriptor = libusb_device_descriptor()
            if let device = list[i], libusb_get_device_descriptor(device, &descriptor) == 0 {
                ids.append((descriptor.idVendor, descriptor.idProduct))
            }
        }
        return ids
    }

    private init(vendor: UInt16, product: UInt16) throws(TransportError) {
        endpoint = String(format: "USB %04x:%04x", vendor, product)
        var ctx: OpaquePointer?
        guard libusb_init(&ctx) == 0 else { throw .io("libusb could not start") }
        context = ctx
        // deinit runs after a failed init too: each exit path leaves nothing to release twice.
        guard let h = libusb_open_device_with_vid_pid(ctx, vendor, product) else {
            libusb_exit(ctx)
            context = nil
            throw .notFound("\(endpoint) (no such device is connected, or its USB device node is not accessible: see Docs/energy.md for the udev rule)")
        }
        handle = h
        _ = libusb_set_auto_detach_kernel_driver(h, 1)
        let claimed = libusb_claim_interface(h, 0)
        guard claimed == 0 else {
            libusb_close(h)
            libusb_exit(ctx)
            handle = nil
            context = nil
            throw claimed == Int32(LIBUSB_ERROR_BUSY.rawValue) ? .busy(endpoint) : .io("cannot claim \(endpoint): \(Self.message(claimed))")
        }
    }

    public func controlIn(request: UInt8, value: UInt16, length: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        guard let handle else { throw .closed(endpoint) }
        var buffer = [UInt8](repeating: 0, count: length)
        let n = libusb_control_transfer(handle, 0xC0, request, value, 0, &buffer, UInt16(length), UInt32(timeout.milliseconds))
        guard n >= 0 else { throw .io("control request \(request) to \(endpoint) failed: \(Self.message(n))") }
        return Array(buffer.prefix(Int(n)))
    }

    public func bulkWrite(endpoint ep: UInt8, _ bytes: [UInt8], timeout: Duration) throws(TransportError) {
        guard let handle else { throw .closed(endpoint) }
        var data = bytes
        var sent: Int32 = 0
        let r = libusb_bulk_transfer(handle, ep, &data, Int32(data.count), &sent, UInt32(timeout.milliseconds))
        guard r == 0, sent == Int32(bytes.count) else { throw .io("bulk write to \(endpoint) failed: \(Self.message(r))") }
    }

    public func bulkRead(endpoint ep: UInt8, length: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        guard let handle else { throw .closed(endpoint) }
        var buffer = [UInt8](repeating: 0, count: length)
        var received: Int32 = 0
        let r = libusb_bulk_transfer(handle, ep, &buffer, Int32(length), &received, UInt32(timeout.milliseconds))
        if r == Int32(LIBUSB_ERROR_TIMEOUT.rawValue) { return Array(buffer.prefix(Int(received))) }
        guard r == 0 else {
            if r == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) { throw .closed(endpoint) }
            throw .io("bulk read from \(endpoint) failed: \(Self.message(r))")
        }
        return Array(buffer.prefix(Int(received)))
    }

    public func close() {
        if let handle {
            libusb_release_interface(handle, 0)
            libusb_close(handle)
        }
        if let context { libusb_exit(context) }
        handle = nil
        context = nil
    }

    deinit { close() }

    private static func message(_ code: Int32) -> String {
        String(cString: libusb_error_name(code))
    }
}
