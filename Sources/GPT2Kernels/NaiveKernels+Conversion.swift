extension NaiveKernels {
    /// binary16 bit patterns (little-endian) to fp32.
    public static func convertF16toF32(_ source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<max(0, count) {
            let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
            destination[i] = decode(bits, mantissaBits: 10, exponentBias: 15)
        }
    }

    /// bfloat16 bit patterns (little-endian) to fp32.
    public static func convertBF16toF32(_ source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<max(0, count) {
            let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
            destination[i] = decode(bits, mantissaBits: 7, exponentBias: 127)
        }
    }

    /// fp32 to binary16 bit patterns, round to nearest even.
    public static func convertF32toF16(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<max(0, count) {
            destination.storeBytes(of: encode(source[i], mantissaBits: 10, exponentBias: 15), toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// fp32 to bfloat16 bit patterns, round to nearest even.
    public static func convertF32toBF16(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int) {
        for i in 0..<max(0, count) {
            destination.storeBytes(of: encode(source[i], mantissaBits: 7, exponentBias: 127), toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// Decodes a 16-bit float with 1 sign bit, `15 - mantissaBits` exponent bits and
    /// `mantissaBits` fraction bits. NaN payloads move to the top of the fp32 fraction.
    static func decode(_ bits: UInt16, mantissaBits: Int, exponentBias: Int) -> Float {
        let negative = bits & 0x8000 != 0
        let exponentField = Int(bits & 0x7FFF) >> mantissaBits
        let fraction = Int(bits) & ((1 << mantissaBits) - 1)
        let allOnes = (1 << (15 - mantissaBits)) - 1
        if exponentField == allOnes {
            let magnitude = UInt32(0x7F80_0000) | UInt32(fraction << (23 - mantissaBits))
            return Float(bitPattern: (negative ? 0x8000_0000 : 0) | magnitude)
        }
        let value: Double
        if exponentField == 0 {
            value = Double(fraction) * twoToThe(1 - exponentBias - mantissaBits)
        } else {
            value = Double((1 << mantissaBits) + fraction) * twoToThe(exponentField - exponentBias - mantissaBits)
        }
        return Float(negative ? -value : value)
    }

    /// Encodes `x` as a 16-bit float (see `decode`), rounding the exact value to the nearest
    /// representable one, ties to the even fraction; too large gives infinity, NaN the quiet NaN
    /// with the top of `x`'s payload.
    static func encode(_ x: Float, mantissaBits: Int, exponentBias: Int) -> UInt16 {
        let sign: UInt16 = x.sign == .minus ? 0x8000 : 0
        let allOnes = (1 << (15 - mantissaBits)) - 1
        let infinity = UInt16(allOnes << mantissaBits)
        if x.isNaN {
            let payload = UInt16(truncatingIfNeeded: (x.bitPattern & 0x007F_FFFF) >> (23 - mantissaBits))
            return sign | infinity | UInt16(1 << (mantissaBits - 1)) | payload
        }
        let magnitude = Double(x.magnitude)
        if magnitude == 0 { return sign }
        if magnitude.isInfinite { return sign | infinity }
        // The unit in the last place at x's binade, never below the subnormal spacing.
        let minimumNormalExponent = 1 - exponentBias
        let binade = max(Int(magnitude.exponent), minimumNormalExponent)
        let ulp = twoToThe(binade - mantissaBits)
        let units = (magnitude / ulp).rounded(.toNearestOrEven)
        // (binade + bias - 1) << mantissaBits + units: a subnormal when units < 2^mantissaBits,
        // and a rounding carry to 2^(mantissaBits+1) lands in the next binade by itself.
        let encoded = ((binade + exponentBias - 1) << mantissaBits) + Int(units)
        if encoded >= Int(infinity) { return sign | infinity }
        return sign | UInt16(encoded)
    }

    static func twoToThe(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }
}
