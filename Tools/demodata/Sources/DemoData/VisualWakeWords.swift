import Foundation
import TinyBench

/// vww01: 96×96 RGB scenes, half with one or more people (label 1, as in the
/// reference's person class) and half without (label 0). Outdoor and indoor
/// backgrounds, clutter (boxes, trees, furniture, cars), and in the scenes
/// without people, person-like distractors (lamp posts, signs, animals) so
/// that "a tall thing" is not enough. People vary in size (distant to
/// close-up), pose, clothing and skin colour, and may be partly hidden.
public struct VisualWakeWordsGenerator: DemoGenerator {
    public let benchmark = Benchmark.vww01
    public let defaultTestCount = 104

    public init() {}

    public func generate(split: DemoSplit, count: Int, into writer: inout DatasetWriter) throws {
        for i in 0..<count {
            let person = i % 2 == 1
            var rng = SeededRandom(seed: 0x0FF1, split == .test ? 1 : 2, UInt64(i))
            let image = Self.scene(person: person, using: &rng)
            let name = "\(person ? "person" : "non_person")_\(String(format: "%05d", i)).bin"
            try writer.add(file: name, label: person ? 1 : 0, bytes: image.bytes())
        }
    }

    typealias Colour = Raster.Colour

    static func scene(person: Bool, using rng: inout SeededRandom) -> Raster {
        var r = Raster(width: 96, height: 96)
        let outdoor = rng.unit() < 0.55
        let horizon = rng.uniform(30...65)
        if outdoor {
            r.gradient(top: 0, bottom: Int(horizon), from: rng.colour(near: (110, 160, 220), spread: 40),
                       to: rng.colour(near: (190, 210, 230), spread: 25))
            r.gradient(top: Int(horizon), bottom: 96, from: rng.colour(near: [(90, 130, 60), (130, 125, 115), (170, 150, 110)][rng.int(0...2)], spread: 25),
                       to: rng.colour(near: (80, 85, 70), spread: 30))
        } else {
            let wall = rng.colour(near: (190, 180, 160), spread: 50)
            r.gradient(top: 0, bottom: Int(horizon), from: wall, to: (wall.r * 0.85, wall.g * 0.85, wall.b * 0.85))
            r.gradient(top: Int(horizon), bottom: 96, from: rng.colour(near: (140, 110, 80), spread: 40), to: rng.colour(near: (100, 80, 60), spread: 30))
            if rng.unit() < 0.6 {   // a window or a picture on the wall
                let x = rng.uniform(5...70), y = rng.uniform(5...max(horizon - 25, 6))
                r.rectangle(x0: x, y0: y, x1: x + rng.uniform(12...25), y1: y + rng.uniform(10...20), rng.anyColour())
            }
        }
        // Background clutter, behind everything else.
        for _ in 0..<rng.int(1...4) { clutter(&r, horizon: horizon, outdoor: outdoor, using: &rng) }
        if person {
            let people = rng.unit() < 0.75 ? 1 : rng.int(2...3)
            for _ in 0..<people { drawPerson(&r, horizon: horizon, using: &rng) }
        } else {
            for _ in 0..<rng.int(1...2) { distractor(&r, horizon: horizon, using: &rng) }
        }
        // A low bush in the foreground sometimes hides feet and legs (never a whole figure).
        if rng.unit() < 0.35 {
            r.ellipse(cx: rng.uniform(0...96), cy: rng.uniform(88...98), rx: rng.uniform(8...20), ry: rng.uniform(4...9),
                      rng.colour(near: (70, 110, 50), spread: 30))
        }
        r.light(gain: rng.uniform(0.6...1.3), offset: rng.uniform(-25...25))
        r.blur(passes: rng.int(0...1))
        r.noise(sigma: rng.uniform(2...9), using: &rng)
        return r
    }

    /// A person standing on the ground at a random place: head, torso, arms, legs.
    static func drawPerson(_ r: inout Raster, horizon: Double, using rng: inout SeededRandom) {
        let height = rng.uniform(36...88)                       // far away to close-up
        let feet = min(horizon + height * rng.uniform(0.3...0.9), 100)
        let x = rng.uniform(8...88)
        let u = height / 8                                       // head height: a body is about 8 heads
        let skin = rng.colour(near: [(235, 200, 170), (200, 150, 110), (140, 95, 65), (90, 60, 40)][rng.int(0...3)], spread: 12)
        let shirt = rng.anyColour(), trousers = rng.colour(near: [(40, 50, 90), (60, 60, 60), (150, 130, 100), (20, 20, 25)][rng.int(0...3)], spread: 25)
        let top = feet - height
        let lean = rng.uniform(-0.15...0.15) * u
        // Legs: apart or together, maybe walking.
        let stride = rng.uniform(0...1.2) * u
        r.line(x0: x - 0.45 * u, y0: top + 4 * u, x1: x - 0.45 * u - stride, y1: feet, width: 0.75 * u, trousers)
        r.line(x0: x + 0.45 * u, y0: top + 4 * u, x1: x + 0.45 * u + stride, y1: feet, width: 0.75 * u, trousers)
        // Torso.
        r.polygon([(x - 1.1 * u + lean, top + 1.3 * u), (x + 1.1 * u + lean, top + 1.3 * u),
                   (x + 0.95 * u, top + 4.3 * u), (x - 0.95 * u, top + 4.3 * u)], shirt)
        // Arms: down, out, or one raised.
        for side in [-1.0, 1.0] {
            let angle = rng.uniform(-0.4...1.6)
            let ax = x + side * 1.1 * u + lean, ay = top + 1.5 * u
            let ex = ax + side * sin(angle) * 3 * u, ey = ay + cos(angle) * 3 * u
            r.line(x0: ax, y0: ay, x1: ex, y1: ey, width: 0.55 * u, shirt)
            r.ellipse(cx: ex, cy: ey, rx: 0.3 * u, ry: 0.3 * u, skin)
        }
        // Head and hair.
        r.ellipse(cx: x + lean, cy: top + 0.6 * u, rx: 0.5 * u, ry: 0.62 * u, skin)
        if rng.unit() < 0.8 {
            r.ellipse(cx: x + lean, cy: top + 0.3 * u, rx: 0.52 * u, ry: 0.35 * u,
                      rng.colour(near: [(30, 25, 20), (120, 80, 40), (200, 170, 100), (150, 150, 150)][rng.int(0...3)], spread: 15))
        }
    }

    /// Scene objects: boxes, trees, furniture, parked cars, bushes.
    static func clutter(_ r: inout Raster, horizon: Double, outdoor: Bool, using rng: inout SeededRandom) {
        let x = rng.uniform(-10...96), base = min(horizon + rng.uniform(0...40), 100)
        switch rng.int(0...3) {
        case 0:   // a box or a cabinet
            let w = rng.uniform(8...35), h = rng.uniform(8...40)
            r.rectangle(x0: x, y0: base - h, x1: x + w, y1: base, rng.anyColour())
        case 1 where outdoor:   // a tree
            let h = rng.uniform(25...70)
            r.line(x0: x, y0: base, x1: x, y1: base - h * 0.6, width: rng.uniform(3...7), rng.colour(near: (95, 70, 45), spread: 20))
            r.ellipse(cx: x, cy: base - h * 0.75, rx: h * rng.uniform(0.2...0.4), ry: h * 0.3, rng.colour(near: (60, 120, 50), spread: 30))
        case 2:   // a table or a car: a wide body on short legs or wheels
            let w = rng.uniform(20...45), h = rng.uniform(8...18)
            let c = rng.anyColour()
            r.rectangle(x0: x, y0: base - h - 5, x1: x + w, y1: base - 5, c)
            r.ellipse(cx: x + w * 0.2, cy: base - 3, rx: 3, ry: 3, (30, 30, 30))
            r.ellipse(cx: x + w * 0.8, cy: base - 3, rx: 3, ry: 3, (30, 30, 30))
        default:   // a bush or a cushion
            r.ellipse(cx: x, cy: base - 5, rx: rng.uniform(6...18), ry: rng.uniform(4...10), rng.anyColour())
        }
    }

    /// Things that are tall and thin, or have legs and a head, but are not people.
    static func distractor(_ r: inout Raster, horizon: Double, using rng: inout SeededRandom) {
        let x = rng.uniform(8...88)
        let base = min(horizon + rng.uniform(5...40), 100)
        switch rng.int(0...1) {
        case 0:   // a lamp post or a sign
            let h = rng.uniform(25...85)
            let c = rng.colour(near: (70, 70, 75), spread: 30)
            r.line(x0: x, y0: base, x1: x, y1: base - h, width: rng.uniform(1.5...4), c)
            if rng.unit() < 0.5 {
                r.ellipse(cx: x, cy: base - h, rx: rng.uniform(2...5), ry: rng.uniform(2...4), rng.colour(near: (240, 230, 170), spread: 20))
            } else {
                r.rectangle(x0: x - 6, y0: base - h, x1: x + 6, y1: base - h + 8, rng.anyColour())
            }
        default:   // a four-legged animal
            let s = rng.uniform(0.6...2)
            let c = rng.colour(near: [(120, 90, 60), (200, 190, 170), (50, 45, 40)][rng.int(0...2)], spread: 25)
            r.ellipse(cx: x, cy: base - 10 * s, rx: 9 * s, ry: 4.5 * s, c)
            for lx in [-6.0, -3.0, 3.0, 6.0] { r.line(x0: x + lx * s, y0: base - 8 * s, x1: x + lx * s, y1: base, width: 1.6 * s, c) }
            let d = rng.unit() < 0.5 ? -1.0 : 1.0
            r.ellipse(cx: x + d * 10 * s, cy: base - 14 * s, rx: 3.2 * s, ry: 2.6 * s, c)
        }
    }
}
