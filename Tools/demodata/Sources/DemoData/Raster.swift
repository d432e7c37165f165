/// A small RGB canvas in floating point (0...255 per channel) with the few
/// primitives the synthetic scenes need; `bytes()` gives the EEMBC layout
/// (rows top to bottom, interleaved R, G, B).
public struct Raster {
    public typealias Colour = (r: Double, g: Double, b: Double)
    public let width: Int
    public let height: Int
    private var pixels: [Double]

    public init(width: Int, height: Int, fill: Colour = (0, 0, 0)) {
        self.width = width
        self.height = height
        pixels = [Double](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { put(i, fill, 1) }
    }

    private mutating func put(_ i: Int, _ c: Colour, _ alpha: Double) {
        pixels[3 * i] += (c.r - pixels[3 * i]) * alpha
        pixels[3 * i + 1] += (c.g - pixels[3 * i + 1]) * alpha
        pixels[3 * i + 2] += (c.b - pixels[3 * i + 2]) * alpha
    }

    /// Blends `c` into pixel (x, y) with coverage `alpha`; outside pixels are ignored.
    public mutating func blend(_ x: Int, _ y: Int, _ c: Colour, alpha: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        put(y * width + x, c, alpha)
    }

    /// Vertical gradient between two colours over rows `top..<bottom`.
    public mutating func gradient(top: Int, bottom: Int, from a: Colour, to b: Colour) {
        let span = Double(max(bottom - top - 1, 1))
        for y in max(top, 0)..<min(bottom, height) {
            let t = Double(y - top) / span
            let c = (a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t)
            for x in 0..<width { blend(x, y, c) }
        }
    }

    /// Filled axis-aligned ellipse centred at (cx, cy), antialiased at its edge.
    public mutating func ellipse(cx: Double, cy: Double, rx: Double, ry: Double, _ c: Colour) {
        guard rx > 0, ry > 0 else { return }
        for y in Int(cy - ry - 1)...Int(cy + ry + 1) {
            for x in Int(cx - rx - 1)...Int(cx + rx + 1) {
                let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                let d = (dx * dx + dy * dy).squareRoot()
                let edge = min(rx, ry)
                let coverage = min(max((1 - d) * edge + 0.5, 0), 1)
                if coverage > 0 { blend(x, y, c, alpha: coverage) }
            }
        }
    }

    /// Filled rectangle with corners (x0, y0) and (x1, y1).
    public mutating func rectangle(x0: Double, y0: Double, x1: Double, y1: Double, _ c: Colour) {
        polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], c)
    }

    /// A thick segment (a limb, a pole, a mast).
    public mutating func line(x0: Double, y0: Double, x1: Double, y1: Double, width w: Double, _ c: Colour) {
        let dx = x1 - x0, dy = y1 - y0
        let length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let nx = -dy / length * w / 2, ny = dx / length * w / 2
        polygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], c)
    }

    /// Filled convex or concave polygon (even-odd rule), 4× supersampled per pixel.
    public mutating func polygon(_ points: [(Double, Double)], _ c: Colour) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.1), xs = points.map(\.0)
        let yMin = max(Int(ys.min()!.rounded(.down)), 0), yMax = min(Int(ys.max()!.rounded(.up)), height - 1)
        let xMin = max(Int(xs.min()!.rounded(.down)), 0), xMax = min(Int(xs.max()!.rounded(.up)), width - 1)
        guard yMin <= yMax, xMin <= xMax else { return }
        for y in yMin...yMax {
            for x in xMin...xMax {
                var inside = 0
                for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                    if Self.contains(points, Double(x) + sx, Double(y) + sy) { inside += 1 }
                }
                if inside > 0 { blend(x, y, c, alpha: Double(inside) / 4) }
            }
        }
    }

    private static func contains(_ p: [(Double, Double)], _ x: Double, _ y: Double) -> Bool {
        var inside = false
        var j = p.count - 1
        for i in p.indices {
            let (xi, yi) = p[i], (xj, yj) = p[j]
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Adds Gaussian noise of standard deviation `sigma` to every channel.
    public mutating func noise(sigma: Double, using rng: inout SeededRandom) {
        for i in pixels.indices { pixels[i] += sigma * rng.normal() }
    }

    /// Multiplies every channel (lighting) and adds an offset.
    public mutating func light(gain: Double, offset: Double) {
        for i in pixels.indices { pixels[i] = pixels[i] * gain + offset }
    }

    /// 3×3 box blur (camera softness), applied `passes` times.
    public mutating func blur(passes: Int = 1) {
        for _ in 0..<passes {
            var out = pixels
            for y in 0..<height {
                for x in 0..<width {
                    for ch in 0..<3 {
                        var sum = 0.0, n = 0.0
                        for yy in max(y - 1, 0)...min(y + 1, height - 1) {
                            for xx in max(x - 1, 0)...min(x + 1, width - 1) {
                                sum += pixels[3 * (yy * width + xx) + ch]
                                n += 1
                            }
                        }
                        out[3 * (y * width + x) + ch] = sum / n
                    }
                }
            }
            pixels = out
        }
    }

    /// The image as interleaved RGB bytes, rounded and clamped.
    public func bytes() -> [UInt8] {
        pixels.map { UInt8(min(max($0.rounded(), 0), 255)) }
    }
}

extension SeededRandom {
    /// A colour near `base`, each channel moved by up to `spread`.
    public mutating func colour(near base: Raster.Colour, spread: Double) -> Raster.Colour {
        (base.r + uniform(-spread...spread), base.g + uniform(-spread...spread), base.b + uniform(-spread...spread))
    }

    /// Any colour.
    public mutating func anyColour() -> Raster.Colour {
        (uniform(0...255), uniform(0...255), uniform(0...255))
    }
}
