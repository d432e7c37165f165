import CTurboJPEG
import Foundation

/// An 8-bit RGB image decoded from a JPEG file with libjpeg-turbo's TurboJPEG
/// API (which reports errors instead of exiting, unlike libjpeg's defaults).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Rows top to bottom, interleaved R, G, B.
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes a JPEG; `name` is used in errors.
    public init(jpeg bytes: [UInt8], name: String) throws(PreparationError) {
        guard let handle = tjInitDecompress() else { throw .badImage(name, "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &w, &h, &subsampling, &colourspace) }
        guard header == 0, w > 0, h > 0, Int(w) * Int(h) <= 50_000_000 else {
            throw .badImage(name, "not a readable JPEG (\(String(cString: tjGetErrorStr2(handle))))")
        }
        var out = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, w, 0, h, Int32(TJPF_RGB.rawValue), 0)
            }
        }
        // A warning (e.g. a few bytes of trailing garbage) still gives a full image; an error does not.
        if status != 0 && tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
            throw .badImage(name, "corrupt JPEG: \(String(cString: tjGetErrorStr2(handle)))")
        }
        width = Int(w)
        height = Int(h)
        pixels = out
    }

    /// Bilinear resampling to `size`×`size` (pixel centres aligned, as
    /// OpenCV's INTER_LINEAR and tf.image.resize do); an image already that
    /// size is returned unchanged.
    public func resized(to size: Int) -> RGBImage {
        guard width != size || height != size else { return self }
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let sx = Double(width) / Double(size), sy = Double(height) / Double(size)
        for y in 0..<size {
            let fy = max(min((Double(y) + 0.5) * sy - 0.5, Double(height - 1)), 0)
            let y0 = Int(fy), y1 = min(y0 + 1, height - 1), ty = fy - Double(y0)
            for x in 0..<size {
                let fx = max(min((Double(x) + 0.5) * sx - 0.5, Double(width - 1)), 0)
                let x0 = Int(fx), x1 = min(x0 + 1, width - 1), tx = fx - Double(x0)
                for c in 0..<3 {
                    func p(_ xx: Int, _ yy: Int) -> Double { Double(pixels[(yy * width + xx) * 3 + c]) }
                    let v = (p(x0, y0) * (1 - tx) + p(x1, y0) * tx) * (1 - ty) + (p(x0, y1) * (1 - tx) + p(x1, y1) * tx) * ty
                    out[(y * size + x) * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }

    /// JPEG bytes of this image (for tests and tools).
    public func jpeg(quality: Int32 = 95) -> [UInt8] {
        guard let handle = tjInitCompress() else { return [] }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &buffer, &size,
                        Int32(TJSAMP_444.rawValue), quality, 0)
        }
        defer { tjFree(buffer) }
        guard status == 0, let buffer else { return [] }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }
}
