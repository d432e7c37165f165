import Foundation

/// Numbers written as the MLCommons runner's Python writes them, so result
/// lines read the same from either tool.
public enum PythonFormat {
    /// Python's `format(x, '1.N')` (no presentation type): `significant`
    /// digits; fixed notation when the decimal exponent is in [-4, N - 1),
    /// trailing zeros dropped but one digit kept after the point (`1.0`);
    /// otherwise scientific (`1.2345e+04`, `1e-07`).
    public static func general(_ x: Double, significant: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
        guard x != 0 else { return x.sign == .minus ? "-0.0" : "0.0" }
        let p = max(significant, 1)
        // The exponent after rounding to p significant digits, as %e gives it.
        let scientific = String(format: "%.\(p - 1)e", x)
        let parts = scientific.split(separator: "e")
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        if exponent >= -4 && exponent < p - 1 {
            var fixed = String(format: "%.\(p - 1 - exponent)f", x)
            if fixed.contains(".") {
                while fixed.hasSuffix("0") { fixed.removeLast() }
                if fixed.hasSuffix(".") { fixed += "0" }
            } else {
                fixed += ".0"
            }
            return fixed
        }
        var mantissa = String(parts[0])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        let magnitude = abs(exponent)
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }
}
