/// Owned, aligned scratch memory of a prepared kernel, allocated once.
final class Scratch<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(count: Int, value: T) {
        self.count = max(count, 1)
        pointer = .allocate(capacity: self.count)
        pointer.initialize(repeating: value, count: self.count)
    }

    convenience init(_ values: [T], padding: T) {
        self.init(count: values.count, value: padding)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    deinit {
        pointer.deallocate()
    }
}
