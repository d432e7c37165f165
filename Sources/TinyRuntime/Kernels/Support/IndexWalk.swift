/// Visits every multi-dimensional index of `shape` in row-major order (the
/// order of a tensor's bytes): prepare steps use it to build index tables.
func forEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
    guard !shape.contains(where: { $0 <= 0 }) else { return }
    var index = [Int](repeating: 0, count: shape.count)
    while true {
        body(index)
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { break }
            index[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}
