import Foundation

/// The JS220's USB framing, as pure functions: 32-bit little-endian frame
/// headers (frame id, payload length, port), port-0 operations and pub/sub
/// publishes on port 1 (a 32-byte topic, type, flags, op, app, value).
public enum JS220Protocol {
    public static let frameLength = 512
    public static let bulkIn: UInt8 = 0x82
    public static let bulkOut: UInt8 = 0x01
    /// Stream ports: current and voltage (float32 at 1 MHz), GPI 0 (1 bit at 2 MHz).
    public static let currentPort: UInt8 = 21, voltagePort: UInt8 = 22, gpi0Port: UInt8 = 24

    public enum ControlRequest: UInt8, Sendable { case connect = 1, disconnect = 2 }
    public enum Port0Op: UInt8, Sendable { case connect = 1, echo = 2, timesync = 3, timemap = 4 }

    /// Value types of a publish.
    public enum ValueType: UInt8, Sendable { case null = 0, string = 1, json = 2, binary = 3, f32 = 6, f64 = 7, u8 = 8, u16 = 9, u32 = 10, u64 = 11 }

    public struct Frame: Equatable, Sendable {
        public var id: UInt16
        public var port: UInt8
        public var payload: [UInt8]

        public init(id: UInt16, port: UInt8, payload: [UInt8]) {
            self.id = id
            self.port = port
            self.payload = payload
        }

        public var bytes: [UInt8] {
            let header = UInt32(id) | (UInt32(payload.count) & 0x1FF) << 16 | (UInt32(port) & 0x1F) << 25
            return le32(header) + payload
        }

        /// A frame from a bulk transfer; nil when the header's length runs past the data.
        public init?(_ bytes: [UInt8]) {
            guard bytes.count >= 4 else { return nil }
            let header = u32(bytes, 0)
            let length = Int(header >> 16 & 0x1FF)
            guard bytes.count >= 4 + length else { return nil }
            id = UInt16(header & 0xFFFF)
            port = UInt8(header >> 25 & 0x1F)
            payload = Array(bytes[4..<(4 + length)])
        }
    }

    /// A publish: topic and value.
    public struct Publish: Equatable, Sendable {
        public var topic: String
        public var type: ValueType
        public var value: [UInt8]

        public init(topic: String, type: ValueType, value: [UInt8]) {
            self.topic = topic
            self.type = type
            self.value = value
        }

        public static func u32(_ topic: String, _ v: UInt32) -> Publish {
            Publish(topic: topic, type: .u32, value: le32(v) + [0, 0, 0, 0])
        }

        public static func string(_ topic: String, _ s: String) -> Publish {
            Publish(topic: topic, type: .string, value: Array(s.utf8))
        }

        public var payload: [UInt8] {
            var t = Array(topic.utf8.prefix(31))
            t += [UInt8](repeating: 0, count: 32 - t.count)
            return t + [type.rawValue, 0, 0, 0] + value
        }

        public init?(payload: [UInt8]) {
            guard payload.count >= 36, let type = ValueType(rawValue: payload[32]) else { return nil }
            let topicBytes = payload[0..<32].prefix { $0 != 0 }
            topic = String(decoding: topicBytes, as: UTF8.self)
            self.type = type
            value = Array(payload[36...])
        }

        public var u32Value: UInt32? { value.count >= 4 ? JS220Protocol.u32(value, 0) : nil }
        public var stringValue: String { String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) }
    }

    public static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
    public static func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32)) }
    public static func u32(_ b: [UInt8], _ o: Int) -> UInt32 { UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24 }
    public static func u64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32 }

    /// A version packed major8.minor8.patch16, as text.
    public static func version(_ v: UInt32) -> String { "\(v >> 24).\(v >> 16 & 0xFF).\(v & 0xFFFF)" }
}
