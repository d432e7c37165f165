import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop a run: SIGINT or SIGTERM caught by the process (or a
/// test's call to ``request(_:)``). Waits on a DUT look at it between reads,
/// so the sample or window in flight is abandoned within a fraction of a
/// second, and the modes write what completed, marked INTERRUPTED.
public final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var signalNumber: Int32?
    private var sources = [DispatchSourceSignal]()

    public init() {}

    /// The signal that asked the run to stop, if one did.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalNumber
    }

    public var isRequested: Bool { signal != nil }

    /// Asks the run to stop, as the signal would.
    public func request(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if signalNumber == nil { signalNumber = signal }
    }

    /// Throws ``SessionError/interrupted(_:)`` once a stop was asked for.
    public func check() throws(SessionError) {
        if let signal { throw .interrupted(signal) }
    }

    /// Catches SIGINT and SIGTERM for this process: the first asks the run to
    /// stop cleanly; a second one ends the process at once with 128 + signal.
    public func catchSignals() {
        for number in [SIGINT, SIGTERM] {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.isRequested { exit(128 + number) }
                self.request(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The exit status a run stopped by `signal` ends with (130 for SIGINT, 143 for SIGTERM).
    public static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    /// SIGINT / SIGTERM by name.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
