import Foundation

/// Ties an emulated device's clock to the wall clock (`tinybench emulate
/// --realtime`): device microseconds since an origin map to the same number
/// of real microseconds since the pacer was (re)started.
///
/// The device computes at host speed and tells the pacer when each piece of
/// its output is due on its own clock; ``sleep(untilDeviceMicroseconds:)``
/// then sleeps the calling thread (no busy wait, so pacing costs no CPU)
/// until the wall clock reaches that moment. Between commands the device
/// asks ``deviceMicroseconds()`` and moves its clock forward to it, so its
/// timestamps advance with real time while it waits, as a board's counter does.
public final class WallClockPacer: @unchecked Sendable {
    private let lock = NSLock()
    private var wallOrigin: ContinuousClock.Instant
    private var deviceOrigin: Double

    /// A pacer whose device clock reads `deviceMicroseconds` now.
    public init(deviceMicroseconds: Double) {
        wallOrigin = .now
        deviceOrigin = deviceMicroseconds
    }

    /// Re-anchors the device clock: it reads `deviceMicroseconds` now (a reset).
    public func restart(atDeviceMicroseconds deviceMicroseconds: Double) {
        lock.withLock {
            wallOrigin = .now
            deviceOrigin = deviceMicroseconds
        }
    }

    /// The device time that corresponds to the wall clock now.
    public func deviceMicroseconds() -> Double {
        let (origin, device) = lock.withLock { (wallOrigin, deviceOrigin) }
        return device + Self.microseconds(ContinuousClock.now - origin)
    }

    /// Sleeps until the wall clock reaches device time `target` (returns at
    /// once when it already has). The longest sleep is bounded by the
    /// device's own schedule: `target` is never more than the command in
    /// progress ahead of the wall clock.
    public func sleep(untilDeviceMicroseconds target: Double) {
        let (origin, device) = lock.withLock { (wallOrigin, deviceOrigin) }
        let due = origin + .microseconds(Int64((target - device).rounded(.up)))
        let remaining = due - ContinuousClock.now
        guard remaining > .zero else { return }
        // Thread.sleep is nanosleep: the thread blocks, the CPU idles.
        Thread.sleep(forTimeInterval: Self.microseconds(remaining) / 1e6)
    }

    private static func microseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
    }
}
