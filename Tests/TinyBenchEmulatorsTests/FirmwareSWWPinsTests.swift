import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// sww01's streaming state on the UART path (`start`, `extract_uart_stream`
/// hops as streamed frames, `stop`) and its pins read back with `tb-pins`:
/// the firmware under QEMU and the emulated reference DUT against the Swift
/// front end + TinyRuntime and against each other.
enum SWWPins {
    /// One stream's pin events, checked for their order: a timestamp at
    /// `start`, per frame processing high, the wakeword pulse when the frame
    /// pulses, processing low, and (`stopped`) a timestamp at `stop`; times
    /// never go back. Returns, per frame, whether it pulsed the wakeword pin.
    static func framePulses(_ events: [WakewordPinEvents.Event], started: Bool = true, stopped: Bool = true) -> [Bool] {
        var rest = events[...]
        func take(_ kind: WakewordPinEvents.Kind) -> Bool {
            guard rest.first?.kind == kind else { return false }
            rest = rest.dropFirst()
            return true
        }
        if started { #expect(take(.timestamp), "the stream's first event is the start timestamp, got \(events.prefix(3))") }
        var pulses = [Bool]()
        while rest.first?.kind == .processingHigh {
            rest = rest.dropFirst()
            pulses.append(take(.wakeword))
            #expect(take(.processingLow), "frame \(pulses.count - 1): processing high, [wakeword], then low; next \(rest.prefix(2))")
        }
        if stopped { #expect(take(.timestamp), "after the frames, the stop timestamp; got \(rest.prefix(3))") }
        #expect(rest.isEmpty, "events after the stream: \(rest.prefix(4))")
        for (a, b) in zip(events, events.dropFirst()) where b.microseconds < a.microseconds {
            Issue.record("time goes back: \(a) then \(b)")
            break
        }
        return pulses
    }

    /// The reference rule: frame 0 (the sync marker) and every out[0] > 115.
    static func expectedPulses(_ frames: [UARTWakewordStream.Frame]) -> [Bool] {
        frames.map { $0.index == 0 || $0.isDetection }
    }

    /// What one stream gave: the frames, `stop`'s lines (the reference-style
    /// echo taken off) and the activations in them, every pin event (oldest
    /// first) and how many the DUT dropped.
    typealias Run = (frames: [UARTWakewordStream.Frame], stopLines: [String], activations: [Int]?, events: [WakewordPinEvents.Event], dropped: Int)

    /// `start`, the hops (reading `tb-pins` every `drainEvery` frames), `stop`,
    /// then `tb-pins` once more.
    static func stream(_ link: any WakewordStreamLink, hops: [ArraySlice<Int16>], drainEvery: Int = 100, timeout: Double = 60)
        throws -> Run {
        var stream = UARTWakewordStream(link: link, timeout: timeout)
        try stream.start()
        var frames = [UARTWakewordStream.Frame](), events = [WakewordPinEvents.Event](), dropped = 0
        for (k, hop) in hops.enumerated() {
            frames.append(try stream.send(hop: hop))
            if (k + 1) % drainEvery == 0 {
                let read = try stream.pinEvents()
                events += read.events
                dropped += read.dropped
            }
        }
        let stopLines = try link.command(UARTWakewordStream.stopCommand, timeout: timeout).filter { !$0.hasPrefix("Received command:") }
        let read = try stream.pinEvents()
        return (frames, stopLines, try WakewordReplies.activations(stopLines), events + read.events, dropped + read.dropped)
    }

    /// The emulated reference DUT, in this process, given `hops` through its
    /// own `start` / `extract_uart_stream` / `stop`.
    static func emulated(model: Model, hops: [ArraySlice<Int16>], drainEvery: Int = 100)
        throws -> Run {
        let transport = UARTWakewordStreamEmulatedDUTTests.DeviceTransport(try EmulatedWakewordDUT(model: model))
        _ = DUTClient.bootBanner(transport, quiet: .milliseconds(1))
        return try stream(DUTClient(transport: transport), hops: hops, drainEvery: drainEvery, timeout: 5)
    }

    /// The firmware `elf` under QEMU: `check` first (an idle `stop`, `tb-caps`),
    /// then ``stream(_:hops:drainEvery:timeout:)``.
    static func underQEMU(_ elf: String, hops: [ArraySlice<Int16>], drainEvery: Int = 100, check: (DUTClient) throws -> Void = { _ in })
        throws -> Run {
        let device = try QEMUDevice(firmware: elf)
        defer { device.close() }
        let banner = DUTClient.bootBanner(device)
        #expect(banner.contains("m-init-done"), "\(banner)")
        let client = DUTClient(transport: device)
        #expect(try client.identify().model == "sww01")
        try check(client)
        return try stream(client, hops: hops, drainEvery: drainEvery)
    }
}

/// The host side alone: the `tb-pins` reply format, and the emulated DUT's
/// streaming state (no QEMU needed).
@Suite struct WakewordPinEventsTests {
    @Test func repliesRoundTripAndMalformedOnesAreRefused() throws {
        let events = (0..<19).map { WakewordPinEvents.Event(WakewordPinEvents.Kind.allCases[$0 % 4], UInt32($0 * 1000) + 4_000_000_000) }
        let reply = WakewordPinEvents(events: events, dropped: 3)
        #expect(reply.replyLines.count == 4)
        #expect(reply.replyLines[0] == "m-pins-[ts@4000000000,proc-hi@4000001000,ww@4000002000,proc-lo@4000003000,ts@4000004000,proc-hi@4000005000,ww@4000006000,proc-lo@4000007000]")
        #expect(reply.replyLines[3] == "m-pins-total-19-dropped-3")
        #expect(try WakewordPinEvents.parse(["Received command: tb-pins"] + reply.replyLines) == reply)
        #expect(try WakewordPinEvents.parse(["m-pins-total-0-dropped-0"]) == WakewordPinEvents(events: []))
        for bad in [
            ["m-pins-[ts@1]"],                                         // no total line
            ["m-pins-[ts@1]", "m-pins-total-2-dropped-0"],             // counts disagree
            ["m-pins-[ts@1", "m-pins-total-1-dropped-0"],              // no ']'
            ["m-pins-[xx@1]", "m-pins-total-1-dropped-0"],             // unknown kind
            ["m-pins-[ts@-1]", "m-pins-total-1-dropped-0"],            // sign
            ["m-pins-[ts@4294967296]", "m-pins-total-1-dropped-0"],    // over 32 bits
            ["m-pins-[ts@1,]", "m-pins-total-1-dropped-0"],            // empty item
            ["m-pins-[]", "m-pins-total-0-dropped-0"],                 // empty line
            ["m-pins-[" + Array(repeating: "ts@1", count: 9).joined(separator: ",") + "]", "m-pins-total-9-dropped-0"],
            ["m-pins-total-0-dropped-0", "m-pins-[ts@1]"],             // events after the total
            ["m-pins-total-0-dropped-0", "m-pins-total-0-dropped-0"],
            ["m-pins-total-0-lost-0"],
        ] {
            #expect(throws: WakewordPinEvents.Malformed.self, "\(bad)") { try WakewordPinEvents.parse(bad) }
        }
    }

    /// `stop` and `tb-pins` replies that do not parse are errors naming the
    /// command and the reason, never a silently short list.
    @Test func malformedStopAndPinsRepliesAreClearErrors() throws {
        final class Link: WakewordStreamLink {
            let replies: [String: [String]]
            init(_ replies: [String: [String]]) { self.replies = replies }
            func command(_ text: String, timeout: Double?) throws(DUTError) -> [String] { replies[text] ?? [] }
            func loadInput(_ bytes: [UInt8]) throws(DUTError) {}
            func negotiateTransfer(binary: Bool) -> InputTransfer { .hex }
        }
        let cases: [(command: String, lines: [String], reason: String)] = [
            ("stop", ["Streaming stopped.", "target activations: ", "[1, x, 3  ", "]"], "activation 'x' is not an integer"),
            ("stop", ["Streaming stopped.", "target activations: ", "[1, 300  ", "]"], "activation 300 is not an int8"),
            ("stop", ["Streaming stopped."], "no 'target activations:' list"),
            ("tb-pins", ["m-pins-[ts@1]"], "no m-pins-total-N-dropped-D line"),
        ]
        for c in cases {
            let stream = UARTWakewordStream(link: Link([c.command: c.lines]), timeout: 1)
            #expect {
                if c.command == "stop" { _ = try stream.stop() } else { _ = try stream.pinEvents() }
            } throws: { error in
                "\(error)".hasPrefix("sww01 '\(c.command)': ") && "\(error)".contains(c.reason)
            }
        }
        let stream = UARTWakewordStream(link: Link(["stop": ["Streaming stopped.", "target activations: ", "[-3, 127  ", "]"]]), timeout: 1)
        #expect(try stream.stop() == [-3, 127])
    }

    /// The emulated reference DUT's UART streaming path: an idle `stop`, then
    /// a stream whose `stop` activations are out[0] of the Swift front end +
    /// TinyRuntime, whose pins follow the reference rule, and whose pin log
    /// is bounded (1,024 events between reads, the rest counted as dropped).
    @Test func theEmulatedDUTStreamsOverTheUART() throws {
        let model = try Model(bytes: SWWFirmware.syntheticModel())
        let transport = UARTWakewordStreamEmulatedDUTTests.DeviceTransport(try EmulatedWakewordDUT(model: model))
        _ = DUTClient.bootBanner(transport, quiet: .milliseconds(1))
        let client = DUTClient(transport: transport)
        #expect(try client.command("stop").contains("I2S is already idle.  Ignoring stop request"))
        #expect(try UARTWakewordStream(link: client, timeout: 5).stop() == nil)
        let hops = SWWFirmware.hops(try SWWFirmware.fixtureSignals(), count: 60)
        let expected = try SWWFirmware.expected(model: model, hops: hops)
        let run = try SWWPins.stream(client, hops: hops, drainEvery: 25, timeout: 5)
        #expect(run.frames == expected)
        #expect(run.activations == expected.map { Int($0.activations[0]) })
        #expect(SWWPins.framePulses(run.events) == SWWPins.expectedPulses(expected))
        #expect(run.dropped == 0)
        // A second `start` while streaming is ignored by the DUT; the helper then stops and starts again.
        var stream = UARTWakewordStream(link: client, timeout: 5)
        try stream.start()
        #expect(try client.command("start").contains("I2S Rx currently in progress. Ignoring request"))
        try stream.start()
        // 2 events a frame (3 with a pulse) and the start timestamp: 540 frames overflow the log.
        let long = Array(repeating: hops, count: 9).flatMap { $0 }
        for hop in long { _ = try stream.send(hop: hop) }
        let read = try stream.pinEvents()
        #expect(read.events.count == EmulatedWakewordDUT.pinEventCapacity)
        let logged = try #require(try stream.stop())
        let pulses = logged.enumerated().filter { $0.offset == 0 || $0.element > 115 }.count
        #expect(logged.count == long.count)
        #expect(read.dropped == 1 + 2 * long.count + pulses - EmulatedWakewordDUT.pinEventCapacity)
        #expect(try stream.pinEvents().events.map(\.kind) == [.timestamp])
    }
}

/// The firmware under QEMU (semihosting link) on the same path, against the
/// Swift front end + TinyRuntime and the emulated DUT.
@Suite(.serialized, .enabled(if: SWWFirmware.crossTools, "arm-none-eabi-gcc, make or qemu-system-arm is missing (make test installs them)"))
struct FirmwareSWWPinsQEMUTests {
    /// The fixture signals (144 hops) through the synthetic model: idle
    /// `stop`, `tb-caps`, the start reply; frames, activations, pins as the
    /// emulated DUT gives them; the pins' order; processing takes time.
    @Test func syntheticStreamMatchesTheEmulatedDUT() throws {
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = SWWFirmware.syntheticModel()
        let model = try Model(bytes: bytes)
        let elf = try SWWFirmware.build(model: bytes, in: dir)
        let hops = SWWFirmware.hops(try SWWFirmware.fixtureSignals())
        let expected = try SWWFirmware.expected(model: model, hops: hops)
        let started = ContinuousClock.now
        let firmware = try SWWPins.underQEMU(elf, hops: hops, drainEvery: 50) { client in
            #expect(try client.command("stop") == ["I2S is already idle.  Ignoring stop request"])
            #expect(client.capabilities().contains("pins"))
            // Before `start` the log is empty and hops are not streamed frames.
            #expect(try WakewordPinEvents.parse(try client.command("tb-pins")) == WakewordPinEvents(events: []))
            let reply = try client.command("start")
            #expect(reply == ["Listening for I2S data ... ", "DMA receive initiated."])
            #expect(try client.command("start") == ["I2S Rx currently in progress. Ignoring request"])
            #expect(try client.command("stop").prefix(3) == ["Streaming stopped.", "target activations: ", "[]"])
        }
        print("sww01 firmware pins under QEMU: \(firmware.frames.count) synthetic frames in \(ContinuousClock.now - started)")
        #expect(firmware.frames == expected)
        #expect(firmware.activations == expected.map { Int($0.activations[0]) })
        #expect(firmware.dropped == 0)
        // 144 values, 16 a row: 9 rows, then "]".
        #expect(firmware.stopLines.count == 2 + 9 + 1 && firmware.stopLines.prefix(2) == ["Streaming stopped.", "target activations: "])
        let pulses = SWWPins.framePulses(firmware.events)
        #expect(pulses == SWWPins.expectedPulses(expected))
        // Each frame's processing is the front end and a model run: it takes time on the DUT's clock.
        let highs = firmware.events.filter { $0.kind == .processingHigh }, lows = firmware.events.filter { $0.kind == .processingLow }
        #expect(zip(highs, lows).allSatisfy { $1.microseconds > $0.microseconds })
        let emulated = try SWWPins.emulated(model: model, hops: hops, drainEvery: 50)
        #expect(emulated.activations == firmware.activations)
        // The same lines, in ee_print_vals_int8's layout (16 a row), from both DUTs.
        #expect(emulated.stopLines == firmware.stopLines)
        #expect(SWWPins.framePulses(emulated.events) == pulses)
    }

    /// The runner's 10 s stream (312 frames) through the reference model:
    /// `stop`'s activations equal the Swift out[0] of every frame and the
    /// emulated DUT's; the frames that pulse the wakeword pin are the first
    /// and the out[0] > 115 ones, the same in both.
    @Test(.enabled(if: SWWFirmware.sharedStream != nil, "../shared/sww or ../shared/conformance/sww01 is absent"))
    func theRunnersStreamPulsesAsTheEmulatedDUT() throws {
        let shared = try #require(SWWFirmware.sharedStream)
        let dir = try SWWFirmware.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = [UInt8](try Data(contentsOf: shared.model))
        let model = try Model(bytes: bytes)
        let elf = try SWWFirmware.build(model: bytes, in: dir)
        let audio = try PCM16Audio(contentsOf: shared.wav)
        let frames = audio.dataBytes / WakewordStreamRun.refillBytes * WakewordStreamRun.refillBytes / (2 * audio.channels) / 512
        let hops = SWWFirmware.hops(StreamingFrontEnd.leftChannel(audio.interleaved), count: frames)
        let expected = try SWWFirmware.expected(model: model, hops: hops)
        let started = ContinuousClock.now
        let firmware = try SWWPins.underQEMU(elf, hops: hops)
        print("sww01 firmware pins under QEMU: \(firmware.frames.count) frames of short_wav_easy10s.wav in \(ContinuousClock.now - started)")
        #expect(firmware.activations == expected.map { Int($0.activations[0]) })
        #expect(firmware.dropped == 0)
        let pulses = SWWPins.framePulses(firmware.events)
        #expect(pulses == SWWPins.expectedPulses(expected))
        // Detections beyond the sync marker: the rule is exercised, not only frame 0.
        #expect(pulses.dropFirst().filter { $0 }.count >= 2)
        let emulated = try SWWPins.emulated(model: model, hops: hops)
        #expect(emulated.activations == firmware.activations)
        // The same lines, in ee_print_vals_int8's layout (16 a row), from both DUTs.
        #expect(emulated.stopLines == firmware.stopLines)
        #expect(SWWPins.framePulses(emulated.events) == pulses)
    }
}
