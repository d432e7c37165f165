/// TinyBench's extensions to the MLPerf Tiny / EEMBC DUT protocol, in one place
/// (documented in Docs/protocol.md). A host uses one only after the DUT has
/// answered it; a DUT that replies `e-[Unknown command: ...]` gets the standard
/// protocol only.
public enum ProtocolExtension: String, CaseIterable, Sendable {
    /// `tb-raw%` → `m-tb-raw-[<hex>]`: the raw bytes of the model's output
    /// tensor after the last inference, for byte-exact comparisons.
    case raw = "tb-raw"
    /// `tb-device%` → `m-tb-device-[key=value;...]`: what the DUT is and where
    /// its time comes from (`timing=cost-model`, `summary=...`, `board=...`,
    /// `processor=...`, `clock-hz=...`, `memory=...`, `framework=...`), so a
    /// modelled DUT behind a serial port is labelled as such.
    case device = "tb-device"
    /// `tb-caps%` → `m-tb-caps-[raw,device,binary-db]`: the extensions the
    /// DUT knows, asked once per connection (``DUTClient/negotiateTransfer()``).
    case capabilities = "tb-caps"
    /// `tb-db SIZE OFFSET LENGTH SHIFT%` + LENGTH raw bytes + CRC-32: one
    /// binary input block (``BinaryBlock``), used only when `tb-caps` lists
    /// ``binaryCapability``.
    case binaryBlock = "tb-db"
    /// `tb-pins%` → `m-pins-[ts@US,proc-hi@US,ww@US,proc-lo@US,...]` lines,
    /// then `m-pins-total-N-dropped-D`: an sww01 DUT's logged pin events
    /// (``WakewordPinEvents``); only sww01 DUTs (the firmware built for
    /// sww01, the emulated reference DUT) answer it.
    case pins = "tb-pins"

    /// The name `tb-caps` lists for this extension; nil for `tb-caps` itself.
    public var capabilityName: String? {
        switch self {
        case .raw: "raw"
        case .device: "device"
        case .capabilities: nil
        case .binaryBlock: "binary-db"
        case .pins: "pins"
        }
    }

    /// The `tb-caps` name of binary input blocks (`tb-db`).
    public static let binaryCapability = ProtocolExtension.binaryBlock.capabilityName!

    /// The reply line's prefix, e.g. `m-tb-raw-[` (`m-pins-[` for `tb-pins`).
    public var replyPrefix: String { self == .pins ? "m-pins-[" : "m-\(rawValue)-[" }

    /// Whether only an sww01 DUT answers it (a DUT for the other benchmarks does not list it).
    public var isStreamingWakewordOnly: Bool { self == .pins }
}

extension DeviceDescription {
    /// The `tb-device` reply body for this description (values hold no `;` or `]`).
    public var extensionReply: String {
        var pairs = [("timing", timing.rawValue), ("summary", summary)]
        if let board { pairs.append(("board", board)) }
        if let processor { pairs.append(("processor", processor)) }
        if let clockHz { pairs.append(("clock-hz", String(Int(clockHz)))) }
        if let memory { pairs.append(("memory", memory)) }
        if let framework { pairs.append(("framework", framework)) }
        return pairs.map { "\($0.0)=\($0.1.filter { $0 != ";" && $0 != "]" })" }.joined(separator: ";")
    }

    /// A description from a `tb-device` reply body, or nil when it names no known timing source.
    public init?(extensionReply body: String) {
        var fields = [String: String]()
        for pair in body.split(separator: ";") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { fields[kv[0]] = kv[1] }
        }
        guard let timing = fields["timing"].flatMap(Timing.init(rawValue:)), let summary = fields["summary"] else { return nil }
        self.init(summary: summary, timing: timing, board: fields["board"], processor: fields["processor"],
                  clockHz: fields["clock-hz"].flatMap(Double.init), memory: fields["memory"], framework: fields["framework"])
    }
}

extension DUTClient {
    /// The negotiated `tb-caps` question: the capability names the DUT lists
    /// (`binary-db`, `raw`, `device`), empty when it does not know the command
    /// (any stock firmware) or does not answer within `timeout` seconds.
    public func capabilities(timeout: Double = 2) -> [String] {
        let prefix = ProtocolExtension.capabilities.replyPrefix
        guard let lines = try? command(ProtocolExtension.capabilities.rawValue, timeout: timeout),
              let line = lines.first(where: { $0.hasPrefix(prefix) }) else { return [] }
        return line.dropFirst(prefix.count).prefix { $0 != "]" }.split(separator: ",").map(String.init)
    }

    /// The negotiated `tb-device` extension: the DUT's own description, or
    /// nil when it does not know the extension (any stock firmware).
    public func deviceDescription() throws(DUTError) -> DeviceDescription? {
        let lines: [String]
        do {
            lines = try command(ProtocolExtension.device.rawValue)
        } catch .deviceError {
            return nil
        }
        let prefix = ProtocolExtension.device.replyPrefix
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return DeviceDescription(extensionReply: String(line.dropFirst(prefix.count).prefix { $0 != "]" }))
    }
}
