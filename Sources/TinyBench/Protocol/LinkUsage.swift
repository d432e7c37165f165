/// How inputs travel to a DUT: `db` hex commands (every firmware) or binary
/// blocks with a CRC-32 (the negotiated `binary-db` extension).
public enum InputTransfer: String, Sendable, Codable {
    case hex, binary
}

/// What a mode's input transfers put on the link (results.json `link`):
/// the payload they carried and every byte they moved, host to DUT and
/// back, acknowledgements, read-backs and resent blocks included.
/// Commands other than transfers (`infer`, `results`) are not counted.
public struct LinkUsage: Sendable, Codable, Equatable {
    public var transfer: InputTransfer
    /// Inputs delivered and their bytes.
    public var inputs = 0
    public var inputBytes = 0
    /// Input bytes that crossed the link (fewer than `inputBytes` when
    /// binary blocks slid overlapping windows instead of resending them).
    public var payloadBytes = 0
    public var sentBytes = 0
    public var receivedBytes = 0
    /// Host seconds the transfers took, and the bytes per second they moved both ways.
    public var seconds = 0.0
    public var bytesPerSecond = 0.0
    /// Every byte of the mode, transfers and all other commands and replies
    /// (`infer`, `results`, ...): what one sample costs on the wire.
    public var totalSentBytes = 0
    public var totalReceivedBytes = 0
    /// payload / (sent + received): the link efficiency, both directions.
    public var efficiency = 0.0
    /// payload / sent: the host-to-DUT direction alone.
    public var sentEfficiency = 0.0

    public init(transfer: InputTransfer) {
        self.transfer = transfer
    }

    /// Adds one transfer (or a failed attempt, which delivers nothing).
    public mutating func add(input: Int, payload: Int, sent: Int, received: Int, seconds: Double) {
        if input > 0 { inputs += 1 }
        inputBytes += input
        payloadBytes += payload
        sentBytes += sent
        receivedBytes += received
        self.seconds += seconds
        bytesPerSecond = self.seconds > 0 ? Double(sentBytes + receivedBytes) / self.seconds : 0
        efficiency = sentBytes + receivedBytes > 0 ? Double(payloadBytes) / Double(sentBytes + receivedBytes) : 0
        sentEfficiency = sentBytes > 0 ? Double(payloadBytes) / Double(sentBytes) : 0
    }

    /// The usage of several DUTs sharing a run.
    public static func + (a: LinkUsage, b: LinkUsage) -> LinkUsage {
        var sum = a
        sum.add(input: 0, payload: b.payloadBytes, sent: b.sentBytes, received: b.receivedBytes, seconds: b.seconds)
        sum.inputs += b.inputs
        sum.inputBytes += b.inputBytes
        sum.totalSentBytes += b.totalSentBytes
        sum.totalReceivedBytes += b.totalReceivedBytes
        return sum
    }

    /// One line for log.txt, e.g. `binary transfers: 10 inputs of 4900 bytes, 4900 payload bytes, 5340 on the wire (5120 sent, 220 received), efficiency 0.918 (host to DUT 0.957), 90000 bytes/s while transferring`.
    public var summary: String {
        "\(transfer.rawValue) transfers: \(inputs) inputs of \(inputBytes) bytes, \(payloadBytes) payload bytes, "
            + "\(sentBytes + receivedBytes) on the wire (\(sentBytes) sent, \(receivedBytes) received), "
            + "efficiency \(String(format: "%.3f", efficiency)) (host to DUT \(String(format: "%.3f", sentEfficiency))), "
            + "\(Int(bytesPerSecond.rounded())) bytes/s while transferring"
    }
}
