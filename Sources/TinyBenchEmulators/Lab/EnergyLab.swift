import Foundation
import TinyBench
import TinyRuntime

/// The emulated energy bench: an emulated DUT in energy mode, reached through
/// an emulated interface board and powered by an emulated monitor, all on one
/// virtual timeline. Lab time (µs) follows the DUT's clock but never goes
/// back (a DUT reset restarts its own clock, not the lab's), and while a
/// monitor acquires, an idle DUT lets lab time follow the wall clock, as a
/// real bench keeps streaming while the host thinks.
///
/// Power is the board profile's: active while the DUT infers, idle otherwise,
/// whatever the supply voltage (as behind a switching regulator). The truth
/// the measurements are checked against is ``trueMicrojoulesPerInference``.
public final class EnergyLab: @unchecked Sendable {
    public let dut: any LabDUT
    public let profile: BoardProfile
    /// How long the DUT holds its timestamp line low, in µs (the firmware's pulse).
    public static let pulseMicroseconds = 20.0

    private let lock = NSRecursiveLock()
    private var offset = 0.0
    private var busy = [(start: Double, end: Double)]()
    private var edges = [Double]()
    private var powered = false
    private var lastWall = ContinuousClock.now

    public convenience init(model: Model, benchmark: Benchmark, profile: BoardProfile = .nucleoL4R5ZITFLM, dutBaud: Int = 9600) throws {
        self.init(dut: try EmulatedDUT(model: model, benchmark: benchmark, profile: profile, timestampMode: .energy,
                                       vendor: "TinyBench emulated DUT (energy lab)", baud: dutBaud),
                  profile: profile)
    }

    /// A lab around `dut` (the sww01 DUT: ``EmulatedWakewordDUT``), with `profile`'s power.
    public init(dut: any LabDUT, profile: BoardProfile) {
        self.dut = dut
        self.profile = profile
        dut.onActivity = { [unowned self] activity in
            switch activity {
            case let .busy(start, end): busy.append((start + offset, end + offset))
            case .timestamp(let t): edges.append(t + offset)
            case let .reset(from, to): offset += from - to
            }
        }
    }

    /// Energy of one inference by the cost model: active power × inference time, in µJ.
    public var trueMicrojoulesPerInference: Double { profile.activePowerWatts * dut.inferenceMicroseconds }

    /// Runs `body` with the lab to itself (devices on several threads share it).
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Lab time in µs.
    public var now: Double { withLock { dut.clockMicroseconds + offset } }

    public var isPowered: Bool { withLock { powered } }

    /// The monitor switches the supply; at power-on the DUT boots (its banner
    /// goes to the interface board, which only relays during a passthrough).
    public func setPower(_ on: Bool) {
        withLock {
            if on && !powered { _ = dut.reset() }
            powered = on
        }
    }

    /// The board streams `samples` (the left channel, 16 kHz) over I2S to a
    /// powered streaming DUT from `start` (lab µs), as the reference DUT
    /// receives them: its DMA takes 512 samples from the moment it is armed
    /// (by `start`, then at the beginning of each frame's processing), so a
    /// DUT that keeps up gets every sample, and one that takes longer than a
    /// frame gets the frame that completed meanwhile late and loses the
    /// audio until it re-arms. Returns the DUT's pin edges in lab µs and the
    /// frames it processed; the lab's clock ends when the stream has been
    /// played, or later if the DUT is still busy.
    public func playI2S(_ samples: [Int16], from start: Double) throws -> (edges: [EmulatedWakewordDUT.PinEdge], frames: Int) {
        try withLock {
            let sampleMicroseconds = Self.frameMicroseconds / Double(EmulatedWakewordDUT.frameSamples)
            let end = start + Double(samples.count) * sampleMicroseconds
            let streaming = dut as? EmulatedWakewordDUT
            defer { streaming?.wait(until: end - offset) }
            guard powered, let streaming else { return ([], 0) }
            var edges = [EmulatedWakewordDUT.PinEdge]()
            var frames = 0
            var first = 0
            while first + EmulatedWakewordDUT.frameSamples <= samples.count {
                let ready = start + Double(first + EmulatedWakewordDUT.frameSamples) * sampleMicroseconds - offset
                let hop = Array(samples[first..<(first + EmulatedWakewordDUT.frameSamples)])
                let frameEdges = try streaming.i2sFrame(hop, readyAt: ready)
                guard let began = frameEdges.first?.microseconds else { break }
                edges += frameEdges.map { .init(pin: $0.pin, microseconds: $0.microseconds + offset) }
                frames += 1
                // Re-armed when processing begins: the next frame starts with the sample arriving then.
                if began <= ready + 1e-3 {
                    first += EmulatedWakewordDUT.frameSamples
                } else {
                    first = Int(((began + offset - start) / sampleMicroseconds).rounded(.up))
                }
            }
            return (edges, frames)
        }
    }

    /// One I2S frame: 512 samples at 16 kHz.
    public static let frameMicroseconds = 32_000.0

    /// Bytes from the interface board to the DUT; nil while the DUT is unpowered.
    public func toDUT(_ bytes: [UInt8]) -> [UInt8]? {
        withLock { powered ? dut.receive(bytes) : nil }
    }

    /// A monitor that is acquiring calls this when it polls: if the DUT has
    /// not moved since the last call, wall-clock time passes in the lab too
    /// (at most `cap` seconds at once).
    public func idle(cap: Double = 0.1) {
        withLock {
            let wall = ContinuousClock.now
            let elapsed = wall - lastWall
            lastWall = wall
            let seconds = min(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cap)
            offset += seconds * 1e6
        }
    }

    /// Joules the DUT draws from `a` to `b` (lab µs).
    public func energy(from a: Double, to b: Double) -> Double {
        withLock {
            guard b > a else { return 0 }
            var activeMicroseconds = 0.0
            var i = firstBusy(endingAfter: a)
            while i < busy.count, busy[i].start < b {
                activeMicroseconds += min(busy[i].end, b) - max(busy[i].start, a)
                i += 1
            }
            let idle = (b - a) - activeMicroseconds
            return (activeMicroseconds * profile.activePowerWatts + idle * profile.idlePowerWatts) * 1e-6
        }
    }

    /// The timestamp edges (lab µs) in `[a, b)`.
    public func edges(from a: Double, to b: Double) -> [Double] {
        withLock { edges.filter { $0 >= a && $0 < b } }
    }

    /// Level of the timestamp line at `t`: high except for a pulse after each edge.
    public func timestampLineHigh(at t: Double) -> Bool {
        withLock {
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] <= t { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 || t >= edges[lo - 1] + Self.pulseMicroseconds
        }
    }

    private func firstBusy(endingAfter t: Double) -> Int {
        var lo = 0, hi = busy.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if busy[mid].end <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// A DUT an energy lab powers and an interface board talks to: the EEMBC
/// DUT (``EmulatedDUT``) or the sww01 streaming DUT (``EmulatedWakewordDUT``).
public protocol LabDUT: AnyObject {
    /// The DUT's UART speed (the board's `checkbaud`).
    var baud: Int { get }
    /// Virtual time since power-on, in µs.
    var clockMicroseconds: Double { get }
    /// Emulated µs of one inference (sww01: of one frame).
    var inferenceMicroseconds: Double { get }
    /// Called for every activity as it happens, for the lab to turn into power and edges.
    var onActivity: ((EmulatedDUT.Activity) -> Void)? { get set }
    /// Bytes from the host in; what the DUT prints out.
    func receive(_ bytes: [UInt8]) -> [UInt8]
    /// What the firmware prints at power-on.
    func boot() -> [UInt8]
    /// A reset: the clock restarts and the banner is printed again.
    func reset() -> [UInt8]
}

extension EmulatedDUT: LabDUT {}

/// A small deterministic noise source for the emulated instruments (xorshift64*).
struct LabNoise {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(unit(), 1e-300), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
