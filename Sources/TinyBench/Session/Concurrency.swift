import Foundation

/// Runs each body on its own thread and returns when all have finished; one
/// body runs on the calling thread, so a single body costs no thread. The
/// bodies block on their DUT's link, which is why they get threads rather
/// than tasks of the cooperative pool.
public func runConcurrently(_ bodies: [() -> Void]) {
    guard let first = bodies.first else { return }
    let group = DispatchGroup()
    for body in bodies.dropFirst() {
        let box = UncheckedBox(body)
        group.enter()
        Thread.detachNewThread {
            box.value()
            group.leave()
        }
    }
    first()
    group.wait()
}

/// Carries a value to another thread that the compiler cannot prove safe to
/// share; callers guarantee each value is used by one thread at a time.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// `body(0)`, `body(1)`, … each on its own thread (``runConcurrently(_:)``),
/// their outcomes in index order.
func concurrentResults<T>(_ count: Int, _ body: @escaping (Int) throws -> T) -> [Result<T, any Error>] {
    let lock = NSLock()
    var outcomes = [Result<T, any Error>?](repeating: nil, count: count)
    runConcurrently((0..<count).map { k in
        {
            let outcome = Result { try body(k) }
            lock.lock()
            outcomes[k] = outcome
            lock.unlock()
        }
    })
    return outcomes.compactMap { $0 }
}
