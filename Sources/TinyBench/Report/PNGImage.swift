import CZlib
import Foundation

/// An 8-bit RGB image written as a PNG (signature, IHDR, one zlib-compressed
/// IDAT of unfiltered rows, IEND), for the files the MLCommons checker wants
/// as PNG (sww's `energy_inf_000.png`).
public struct PNGImage: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes, 3 per pixel.
    public private(set) var pixels: [UInt8]

    /// An image filled with `background`.
    public init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        precondition(width > 0 && height > 0, "an image has pixels")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.0
            pixels[3 * i + 1] = background.1
            pixels[3 * i + 2] = background.2
        }
    }

    /// Sets one pixel; points outside the image are ignored.
    public mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = color.0
        pixels[i + 1] = color.1
        pixels[i + 2] = color.2
    }

    /// A filled rectangle, clipped to the image.
    public mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ color: (UInt8, UInt8, UInt8)) {
        let xs = max(0, min(x0, x1)), xe = min(width - 1, max(x0, x1))
        let ys = max(0, min(y0, y1)), ye = min(height - 1, max(y0, y1))
        guard xs <= xe, ys <= ye else { return }
        for y in ys...ye {
            for x in xs...xe { set(x, y, color) }
        }
    }

    /// The PNG file's bytes.
    public func encoded() -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + 3 * width))
        for y in 0..<height {
            raw.append(0)  // filter type 0: the row as it is
            raw += pixels[(3 * y * width)..<(3 * (y + 1) * width)]
        }
        var bound = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = compressed.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &bound, input.baseAddress, uLong(raw.count), Z_BEST_COMPRESSION)
            }
        }
        // compress2 fails only without memory or with a bound too small, neither of which can happen here.
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        compressed.removeSubrange(Int(bound)...)
        var header = [UInt8]()
        header += Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits per channel, RGB, deflate, no filter choice, not interlaced
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + Self.chunk("IHDR", header) + Self.chunk("IDAT", compressed) + Self.chunk("IEND", [])
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let crc = (typeBytes + data).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(UInt32(crc))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}

extension TracePlot {
    /// The trace as a PNG without text (the SVG has the labels): power per
    /// column (the band between its lowest and highest sample), the measured
    /// interval shaded, its average power as a red line.
    public func png(width: Int = 1000, height: Int = 360) -> PNGImage {
        var image = PNGImage(width: width, height: height)
        let left = 40, right = 10, top = 10, bottom = 30
        let plotW = width - left - right, plotH = height - top - bottom
        let count = trace.energies.count
        let watts = trace.energies.map { $0.isNaN ? 0 : $0 / trace.samplePeriod }
        let peak = max(watts.max() ?? 0, 1e-12) * 1.05
        func y(_ w: Double) -> Int { top + plotH - Int((w / peak * Double(plotH)).rounded()) }
        func column(_ sample: Int) -> Int { left + sample * plotW / max(count, 1) }
        if let a = analysis.startSample, let b = analysis.endSample {
            image.fill(x0: column(a), y0: top, x1: column(b), y1: top + plotH, (225, 238, 250))
        }
        image.fill(x0: left, y0: top + plotH, x1: left + plotW, y1: top + plotH, (80, 80, 80))
        image.fill(x0: left, y0: top, x1: left, y1: top + plotH, (80, 80, 80))
        if count > 0 {
            for x in 0..<plotW {
                let first = x * count / plotW, last = max(first + 1, (x + 1) * count / plotW)
                let slice = watts[first..<min(last, count)]
                guard let lo = slice.min(), let hi = slice.max() else { continue }
                image.fill(x0: left + x, y0: y(lo), x1: left + x, y1: y(hi), (31, 119, 180))
            }
        }
        if let p = analysis.averagePowerWatts {
            image.fill(x0: left, y0: y(p), x1: left + plotW, y1: y(p), (214, 39, 40))
        }
        for event in trace.events {
            image.fill(x0: column(event.sampleIndex), y0: top, x1: column(event.sampleIndex), y1: top + 6, (0, 0, 0))
        }
        return image
    }
}
