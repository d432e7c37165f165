import Foundation
import Testing
import TinyRuntime
import TestSupport

/// Mutated variants of the reference models must load and run, or throw
/// ``ModelError``: never crash (a crash kills the test process, so finishing
/// the loop is the proof) and never hang.
@Suite(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
struct ModelFuzzTests {
    /// What happened to one variant.
    enum Outcome { case ran, rejectedAtLoad, rejectedAtPrepare }

    static func attempt(_ bytes: [UInt8]) -> Outcome {
        let model: Model
        do {
            model = try Model(bytes: bytes)
        } catch {
            precondition(!error.description.isEmpty)
            return .rejectedAtLoad
        }
        do {
            let interpreter = try Interpreter(model: model)
            for input in interpreter.inputs.indices {
                let tensor = interpreter.inputs[input]
                try interpreter.setInput([UInt8](repeating: 0x5A, count: tensor.byteCount), at: input)
            }
            interpreter.invoke()
            _ = try interpreter.output()
            return .ran
        } catch {
            precondition(!error.description.isEmpty)
            return .rejectedAtPrepare
        }
    }

    /// Offsets that the flatbuffer layout makes interesting: every 4-byte word
    /// that looks like an offset or a length pointing inside the file, and the
    /// root and vtable words at the front.
    static func structuralOffsets(_ bytes: [UInt8]) -> [Int] {
        var out = [0, 4]
        var i = 0
        while i + 4 <= bytes.count {
            let v = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
            if v > 0 && v < 4096 { out.append(i) }
            i += 4
        }
        return out
    }

    /// One mutated copy of `original`, by one of several strategies.
    static func mutate(_ original: [UInt8], structural: [Int], rng: inout SeededGenerator) -> [UInt8] {
        var b = original
        switch rng.next() % 8 {
        case 0:  // random byte flips anywhere
            for _ in 0..<Int(1 + rng.next() % 8) { b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 + rng.next() % 255) }
        case 1:  // truncation
            b.removeLast(Int(rng.next() % UInt64(b.count)))
        case 2:  // a structural word set to a random value
            let at = structural[Int(rng.next() % UInt64(structural.count))]
            let v = UInt32(truncatingIfNeeded: rng.next())
            for k in 0..<4 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        case 3:  // a structural word nudged by a small amount (off-by-some offsets)
            let at = structural[Int(rng.next() % UInt64(structural.count))]
            b[at] = b[at] &+ UInt8(truncatingIfNeeded: Int(rng.next() % 9) - 4)
        case 4:  // a structural word set to an extreme
            let at = structural[Int(rng.next() % UInt64(structural.count))]
            let extremes: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt32(b.count), UInt32(b.count - 1)]
            let v = extremes[Int(rng.next() % UInt64(extremes.count))]
            for k in 0..<4 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        case 5:  // a range zeroed
            let start = Int(rng.next() % UInt64(b.count))
            let length = min(Int(1 + rng.next() % 64), b.count - start)
            b.replaceSubrange(start..<(start + length), with: repeatElement(0, count: length))
        case 6:  // a range duplicated over another
            let length = Int(1 + rng.next() % 32)
            let from = Int(rng.next() % UInt64(max(b.count - length, 1)))
            let to = Int(rng.next() % UInt64(max(b.count - length, 1)))
            if from + length <= b.count && to + length <= b.count {
                b.replaceSubrange(to..<(to + length), with: Array(b[from..<(from + length)]))
            }
        default:  // bytes in the first kilobyte (tables and vtables live near the front or end)
            let region = min(1024, b.count)
            let nearEnd = rng.next() % 2 == 0
            for _ in 0..<Int(1 + rng.next() % 4) {
                let offset = Int(rng.next() % UInt64(region))
                b[nearEnd ? b.count - 1 - offset : offset] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return b
    }

    @Test(arguments: SharedConformance.models)
    func mutatedModelsLoadAndRunOrThrow(model name: String) throws {
        let original = try SharedConformance.file(name, "model.tflite")
        let structural = Self.structuralOffsets(original)
        var rng = SeededGenerator(seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        // 2,600 per model: 10,400 variants over the four models.
        let variants = 2600
        var counts = [Outcome: Int]()
        for _ in 0..<variants {
            counts[Self.attempt(Self.mutate(original, structural: structural, rng: &rng)), default: 0] += 1
        }
        print("fuzz \(name): \(variants) variants, ran \(counts[.ran] ?? 0), rejected at load \(counts[.rejectedAtLoad] ?? 0), rejected at prepare \(counts[.rejectedAtPrepare] ?? 0)")
        // Not vacuous: both paths are exercised.
        #expect((counts[.ran] ?? 0) > 0, "\(name): no variant ran: \(counts)")
        #expect((counts[.rejectedAtLoad] ?? 0) + (counts[.rejectedAtPrepare] ?? 0) > variants / 10,
                "\(name): too few variants were rejected: \(counts)")
        #expect(counts.values.reduce(0, +) == variants)
    }
}
