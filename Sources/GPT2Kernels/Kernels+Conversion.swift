extension Kernels {
    typealias U32 = SIMD16<UInt32>

    /// Converts `count` IEEE binary16 values (little-endian bit patterns, any alignment) to fp32,
    /// exactly, subnormals, infinities and NaNs included.
    public static func convertF16toF32(_ source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            storeV(halfToFloat(U32(truncatingIfNeeded: h)), destination + i)
            i += 16
        }
        if i < count {
            var h = U32()
            for j in i..<count { h[j - i] = UInt32(source.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)) }
            let f = halfToFloat(h)
            for j in i..<count { destination[j] = f[j - i] }
        }
    }

    /// Converts `count` bfloat16 values (the upper halves of fp32 bit patterns, little-endian,
    /// any alignment) to fp32, exactly.
    public static func convertBF16toF32(_ source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            storeV(unsafeBitCast(U32(truncatingIfNeeded: h) &<< 16, to: V.self), destination + i)
            i += 16
        }
        while i < count {
            destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            i += 1
        }
    }

    /// Converts `count` fp32 values to IEEE binary16 bit patterns (little-endian, any alignment),
    /// rounding to nearest, ties to even; overflow gives infinity, NaN gives a quiet NaN.
    public static func convertF32toF16(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int) {
        narrow(source, to: destination, count: count, floatToHalf)
    }

    /// Converts `count` fp32 values to bfloat16 bit patterns (little-endian, any alignment),
    /// rounding to nearest, ties to even; NaN gives a quiet NaN.
    public static func convertF32toBF16(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int) {
        narrow(source, to: destination, count: count, floatToBFloat)
    }

    /// `count` fp32 values to 16-bit patterns, 16 lanes at a time by `bits` (the lanes' patterns
    /// in the low 16 bits), the tail through one zero-padded vector.
    @inline(__always)
    static func narrow(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int,
                       _ bits: (V) -> U32) {
        var i = 0
        while i + 16 <= count {
            let h = SIMD16<UInt16>(truncatingIfNeeded: bits(loadV(source + i)))
            destination.storeBytes(of: h, toByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            i += 16
        }
        if i < count {
            var f = V()
            for j in i..<count { f[j - i] = source[j] }
            let h = bits(f)
            for j in i..<count { destination.storeBytes(of: UInt16(truncatingIfNeeded: h[j - i]), toByteOffset: 2 * j, as: UInt16.self) }
        }
    }

    // Integer lanes are compared and selected against vector constants (`U32(repeating:)`):
    // with a scalar operand, Swift's SIMD integer comparisons compile to a scalar loop.

    /// binary16 bits (in the low 16 bits of each lane) to fp32.
    @inline(__always)
    static func halfToFloat(_ h: U32) -> V {
        let sign = (h & 0x8000) &<< 16
        let magnitude = (h & 0x7FFF) &<< 13          // exponent and mantissa in fp32 position
        let exponent = h & 0x7C00
        // Normal numbers: rebias the exponent from 15 to 127.
        var bits = magnitude &+ (112 &<< 23)
        // Infinity and NaN: exponent 31 becomes 255.
        bits.replace(with: magnitude &+ (224 &<< 23), where: exponent .== U32(repeating: 0x7C00))
        // Zero and subnormals, m * 2^-24: build 2^-14 * (1 + m / 1024) and subtract 2^-14.
        let subnormal = unsafeBitCast(magnitude &+ (113 &<< 23), to: V.self) - V(repeating: 0x1p-14)
        bits.replace(with: unsafeBitCast(subnormal, to: U32.self), where: exponent .== U32())
        return unsafeBitCast(bits | sign, to: V.self)
    }

    /// fp32 to binary16 bits (in the low 16 bits of each lane), round to nearest even.
    @inline(__always)
    static func floatToHalf(_ f: V) -> U32 {
        let w = unsafeBitCast(f, to: U32.self)
        let sign = (w & 0x8000_0000) &>> 16
        let a = w & 0x7FFF_FFFF
        // Normal range: drop 13 mantissa bits with round-to-nearest-even; a carry out of the
        // mantissa correctly bumps the exponent.
        let rebased = a &- (112 &<< 23)
        var result = (rebased &+ 0x0FFF &+ ((rebased &>> 13) & 1)) &>> 13
        // Below 2^-14: the half is round(value * 2^24) as a subnormal integer (1024 encodes 2^-14).
        // Adding 2^23 makes the FPU round that product to an integer with ties to even.
        let scaled = unsafeBitCast(a, to: V.self) * V(repeating: 0x1p24) + V(repeating: 0x1p23)
        let subnormal = unsafeBitCast(scaled, to: U32.self) &- 0x4B00_0000
        result.replace(with: subnormal, where: a .< U32(repeating: 0x3880_0000))
        // 65520 and above round to infinity; NaN becomes the quiet NaN.
        result.replace(with: U32(repeating: 0x7C00), where: a .>= U32(repeating: 0x477F_F000))
        result.replace(with: 0x7E00 | ((a &>> 13) & 0x3FF), where: a .> U32(repeating: 0x7F80_0000))
        return result | sign
    }

    /// fp32 to bfloat16 bits (in the low 16 bits of each lane), round to nearest even.
    @inline(__always)
    static func floatToBFloat(_ f: V) -> U32 {
        let w = unsafeBitCast(f, to: U32.self)
        var result = (w &+ 0x7FFF &+ ((w &>> 16) & 1)) &>> 16
        result.replace(with: (w &>> 16) | 0x0040, where: (w & 0x7FFF_FFFF) .> U32(repeating: 0x7F80_0000))
        return result
    }
}

