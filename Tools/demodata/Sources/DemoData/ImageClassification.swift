import Foundation
import TinyBench

/// ic01: ten classes of 32×32 RGB scenes named after CIFAR-10's, each a
/// simple silhouette of the thing on a fitting background, at a random place,
/// size and colour, with lighting changes, blur and sensor noise. Pairs that
/// CIFAR also confuses (cat/dog, deer/horse, automobile/truck) share most of
/// their shape, so the task is not trivial.
public struct ImageClassificationGenerator: DemoGenerator {
    public static let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    public let benchmark = Benchmark.ic01
    public let defaultTestCount = 400

    public init() {}

    public func generate(split: DemoSplit, count: Int, into writer: inout DatasetWriter) throws {
        for i in 0..<count {
            let label = i % 10
            var rng = SeededRandom(seed: 0x1C01, split == .test ? 1 : 2, UInt64(i))
            let image = Self.draw(label, using: &rng)
            try writer.add(file: "\(Self.classes[label])_\(String(format: "%05d", i)).bin", label: label, bytes: image.bytes())
        }
    }

    typealias Colour = Raster.Colour

    static func draw(_ label: Int, using rng: inout SeededRandom) -> Raster {
        let s = rng.uniform(0.75...1.2)
        let cx = 16 + rng.uniform(-4...4), cy = 16 + rng.uniform(-4...4)
        var r = Raster(width: 32, height: 32)
        let sky = rng.colour(near: (120, 170, 225), spread: 35)
        let grass = rng.colour(near: (90, 140, 60), spread: 30)
        let indoor = rng.colour(near: (150, 125, 100), spread: 45)
        let road = rng.colour(near: (105, 105, 110), spread: 25)
        let horizon = Int(rng.uniform(14...22))
        switch label {
        case 0:   // airplane: a cross-shaped silhouette in the sky
            r.gradient(top: 0, bottom: 32, from: sky, to: rng.colour(near: (200, 215, 235), spread: 20))
            let c = rng.colour(near: (190, 190, 195), spread: 50)
            let a = rng.uniform(-0.4...0.4)
            func p(_ x: Double, _ y: Double) -> (Double, Double) { (cx + s * (x * cos(a) - y * sin(a)), cy + s * (x * sin(a) + y * cos(a))) }
            r.polygon([p(-12, -1.5), p(12, -1.5), p(13, 0), p(12, 1.5), p(-12, 1.5)], c)
            r.polygon([p(-2, -1), p(3, -1), p(-1, -11), p(-3, -11)], c)
            r.polygon([p(-2, 1), p(3, 1), p(-1, 11), p(-3, 11)], c)
            r.polygon([p(-12, -1), p(-9, -1), p(-12, -5)], c)
        case 1, 9:   // automobile (low, long body with a cabin) and truck (tall cargo box and a cab)
            r.gradient(top: 0, bottom: horizon, from: sky, to: sky)
            r.gradient(top: horizon, bottom: 32, from: road, to: road)
            let body = rng.anyColour()
            let wheel: Colour = (25, 25, 28)
            if label == 1 {
                r.rectangle(x0: cx - 11 * s, y0: cy - 2 * s, x1: cx + 11 * s, y1: cy + 4 * s, body)
                r.polygon([(cx - 6 * s, cy - 2 * s), (cx - 3 * s, cy - 7 * s), (cx + 5 * s, cy - 7 * s), (cx + 8 * s, cy - 2 * s)], body)
                r.polygon([(cx - 4.5 * s, cy - 2.5 * s), (cx - 2.5 * s, cy - 6 * s), (cx + 4.5 * s, cy - 6 * s), (cx + 6.5 * s, cy - 2.5 * s)],
                          (170, 200, 220))
                for wx in [-7.0, 7.0] { r.ellipse(cx: cx + wx * s, cy: cy + 4 * s, rx: 2.6 * s, ry: 2.6 * s, wheel) }
            } else {
                r.rectangle(x0: cx - 12 * s, y0: cy - 9 * s, x1: cx + 4 * s, y1: cy + 4 * s, rng.colour(near: (220, 220, 215), spread: 35))
                r.rectangle(x0: cx + 4 * s, y0: cy - 4 * s, x1: cx + 11 * s, y1: cy + 4 * s, body)
                r.rectangle(x0: cx + 6 * s, y0: cy - 3 * s, x1: cx + 10 * s, y1: cy, (170, 200, 220))
                for wx in [-9.0, -4.0, 8.0] { r.ellipse(cx: cx + wx * s, cy: cy + 4.5 * s, rx: 2.4 * s, ry: 2.4 * s, wheel) }
            }
        case 2:   // bird: a small dark body with wings in a V
            r.gradient(top: 0, bottom: 32, from: sky, to: rng.colour(near: (180, 205, 230), spread: 25))
            let c = rng.colour(near: (60, 50, 45), spread: 40)
            let up = rng.uniform(2...7) * s
            r.ellipse(cx: cx, cy: cy, rx: 4 * s, ry: 2.2 * s, c)
            r.ellipse(cx: cx + 4 * s, cy: cy - 1.5 * s, rx: 1.8 * s, ry: 1.6 * s, c)
            r.polygon([(cx - 1 * s, cy), (cx + 1.5 * s, cy), (cx - 5 * s, cy - up - 3 * s)], c)
            r.polygon([(cx - 1 * s, cy), (cx + 1.5 * s, cy), (cx + 3 * s, cy - up - 2 * s)], c)
            r.polygon([(cx + 5.5 * s, cy - 2 * s), (cx + 8 * s, cy - 1.2 * s), (cx + 5.5 * s, cy - 0.8 * s)], (220, 170, 40))
        case 3, 5:   // cat (pointed ears up) and dog (larger head, long ears hanging)
            r.gradient(top: 0, bottom: 32, from: indoor, to: rng.colour(near: indoor, spread: 30))
            let fur = rng.colour(near: [(200, 150, 90), (90, 80, 75), (230, 225, 215), (150, 110, 70)][rng.int(0...3)], spread: 25)
            let eye: Colour = label == 3 ? (120, 190, 60) : (40, 30, 25)
            r.ellipse(cx: cx, cy: cy + 9 * s, rx: 9 * s, ry: 6 * s, fur)
            if label == 3 {
                r.ellipse(cx: cx, cy: cy, rx: 7 * s, ry: 6 * s, fur)
                r.polygon([(cx - 7 * s, cy - 2 * s), (cx - 6 * s, cy - 11 * s), (cx - 1.5 * s, cy - 5 * s)], fur)
                r.polygon([(cx + 7 * s, cy - 2 * s), (cx + 6 * s, cy - 11 * s), (cx + 1.5 * s, cy - 5 * s)], fur)
            } else {
                r.ellipse(cx: cx, cy: cy, rx: 8 * s, ry: 7 * s, fur)
                let ear = (fur.r * 0.6, fur.g * 0.6, fur.b * 0.6)
                r.ellipse(cx: cx - 8 * s, cy: cy + 2 * s, rx: 2.5 * s, ry: 6 * s, ear)
                r.ellipse(cx: cx + 8 * s, cy: cy + 2 * s, rx: 2.5 * s, ry: 6 * s, ear)
                r.ellipse(cx: cx, cy: cy + 3.5 * s, rx: 3.5 * s, ry: 2.5 * s, (fur.r * 0.85, fur.g * 0.85, fur.b * 0.85))
                r.ellipse(cx: cx, cy: cy + 2.5 * s, rx: 1.3 * s, ry: 1 * s, (20, 20, 20))
            }
            r.ellipse(cx: cx - 2.8 * s, cy: cy - 1 * s, rx: 1.2 * s, ry: 1.2 * s, eye)
            r.ellipse(cx: cx + 2.8 * s, cy: cy - 1 * s, rx: 1.2 * s, ry: 1.2 * s, eye)
        case 4, 7:   // deer (slim, antlers, short tail) and horse (heavier body, long neck and mane)
            r.gradient(top: 0, bottom: horizon, from: sky, to: rng.colour(near: sky, spread: 20))
            r.gradient(top: horizon, bottom: 32, from: grass, to: rng.colour(near: grass, spread: 25))
            let coat = rng.colour(near: label == 4 ? (160, 110, 65) : [(110, 70, 40), (60, 45, 35), (200, 190, 175)][rng.int(0...2)], spread: 20)
            let dir = rng.unit() < 0.5 ? -1.0 : 1.0
            let bodyW = label == 4 ? 7.5 : 9.5, bodyH = label == 4 ? 3.2 : 4.2
            r.ellipse(cx: cx, cy: cy, rx: bodyW * s, ry: bodyH * s, coat)
            for lx in [-5.5, -3.5, 4.0, 6.0] {
                r.line(x0: cx + lx * s, y0: cy + 1 * s, x1: cx + lx * s, y1: cy + 10 * s, width: (label == 4 ? 1.2 : 1.8) * s, coat)
            }
            let nx = cx + dir * bodyW * 0.8 * s, ny = cy - 1 * s
            let hx = nx + dir * 3 * s, hy = ny - (label == 4 ? 7 : 8) * s
            r.line(x0: nx, y0: ny, x1: hx, y1: hy, width: (label == 4 ? 2 : 3.5) * s, coat)
            r.ellipse(cx: hx + dir * 1.5 * s, cy: hy, rx: 3 * s, ry: 1.8 * s, coat)
            if label == 4 {
                let antler: Colour = (90, 70, 50)
                r.line(x0: hx, y0: hy - 1 * s, x1: hx - dir * 2 * s, y1: hy - 6 * s, width: 0.9 * s, antler)
                r.line(x0: hx - dir * 1 * s, y0: hy - 3.5 * s, x1: hx + dir * 1.5 * s, y1: hy - 6 * s, width: 0.9 * s, antler)
            } else {
                r.line(x0: nx - dir * 0.5 * s, y0: ny - 1 * s, x1: hx - dir * 1 * s, y1: hy, width: 1.2 * s, (40, 30, 25))
                r.line(x0: cx - dir * bodyW * s, y0: cy - 1 * s, x1: cx - dir * (bodyW + 2) * s, y1: cy + 6 * s, width: 1.5 * s, (40, 30, 25))
            }
        case 6:   // frog: a squat green blob with bulging eyes, low on mud or leaves
            r.gradient(top: 0, bottom: 32, from: rng.colour(near: (70, 90, 50), spread: 30), to: rng.colour(near: (90, 75, 50), spread: 30))
            let skin = rng.colour(near: (80, 160, 60), spread: 35)
            r.ellipse(cx: cx, cy: cy + 2 * s, rx: 9 * s, ry: 5.5 * s, skin)
            r.ellipse(cx: cx - 8 * s, cy: cy + 6 * s, rx: 3.5 * s, ry: 2 * s, skin)
            r.ellipse(cx: cx + 8 * s, cy: cy + 6 * s, rx: 3.5 * s, ry: 2 * s, skin)
            for ex in [-4.0, 4.0] {
                r.ellipse(cx: cx + ex * s, cy: cy - 3 * s, rx: 2.5 * s, ry: 2.5 * s, skin)
                r.ellipse(cx: cx + ex * s, cy: cy - 3.3 * s, rx: 1.2 * s, ry: 1.2 * s, (20, 20, 15))
            }
        default:   // ship: a hull on water, a cabin and a mast
            let water = rng.colour(near: (40, 90, 150), spread: 30)
            r.gradient(top: 0, bottom: horizon, from: sky, to: rng.colour(near: (210, 220, 230), spread: 15))
            r.gradient(top: horizon, bottom: 32, from: water, to: (water.r * 0.6, water.g * 0.6, water.b * 0.7))
            let hull = rng.colour(near: [(60, 60, 70), (200, 60, 50), (230, 230, 230)][rng.int(0...2)], spread: 25)
            let y = Double(horizon) + 1
            r.polygon([(cx - 13 * s, y - 3 * s), (cx + 13 * s, y - 3 * s), (cx + 9 * s, y + 2 * s), (cx - 10 * s, y + 2 * s)], hull)
            r.rectangle(x0: cx - 5 * s, y0: y - 7 * s, x1: cx + 4 * s, y1: y - 3 * s, rng.colour(near: (225, 225, 220), spread: 20))
            r.line(x0: cx - 1 * s, y0: y - 7 * s, x1: cx - 1 * s, y1: y - 14 * s, width: 0.9 * s, (50, 50, 50))
        }
        r.light(gain: rng.uniform(0.7...1.25), offset: rng.uniform(-20...20))
        if rng.unit() < 0.5 { r.blur() }
        r.noise(sigma: rng.uniform(3...10), using: &rng)
        return r
    }
}

