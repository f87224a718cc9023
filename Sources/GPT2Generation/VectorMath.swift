/// The few vector loops of the sampler chain, on contiguous `Float` buffers: maximum, `exp` of
/// shifted logits with their `Double` sum, and an order-preserving integer key for floats.
///
/// `exp` is our own (Cephes' `expf` polynomial, within 2 ulp of the true value), so that sampling
/// gives the same token on every platform for the same logits and seed, independent of the C
/// library, and so that it vectorizes (16 lanes).
enum VectorMath {
    typealias V = SIMD16<Float>

    /// `exp(x)` for each lane; exactly 0 below -87.3 (including `-inf`), and valid up to 88.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let lowest: Float = -87.336_54
        let underflow = x .< V(repeating: lowest)
        let xc = x.replacing(with: lowest, where: underflow)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick; r = x - n ln 2 in two steps (Cody-Waite).
        let magic = V(repeating: 12_582_912)
        let t = xc * 1.442_695_040_888_963_4 + magic
        let n = t - magic
        var r = xc - n * 0.693_359_375
        r = r - n * -2.121_944_400_5e-4
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        // 2^n from the exponent bits; n is in [-126, 127] after the clamp.
        let ni = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: V.self)
        return (p * scale).replacing(with: 0, where: underflow)
    }

    /// `exp(x)` for one value, through the vector code so both give identical results.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(V(repeating: x))[0]
    }

    /// The largest value of `x`, skipping NaN (`-inf` when empty or all NaN).
    static func maximum(_ x: UnsafeBufferPointer<Float>) -> Float {
        let n = x.count
        var i = 0
        var m = V(repeating: -.infinity)
        let base = UnsafeRawPointer(x.baseAddress)
        while i + 16 <= n {
            // A compare and blend: `pointwiseMax` handles NaN and does not vectorize.
            let v = base!.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            m = m.replacing(with: v, where: v .> m)
            i += 16
        }
        var result = m.max()
        while i < n {
            if x[i] > result { result = x[i] }
            i += 1
        }
        return result
    }

    /// The index of the first occurrence of the largest value, skipping NaN; `nil` when every value
    /// is `-inf` or NaN.
    static func argmax(_ x: UnsafeBufferPointer<Float>) -> Int? {
        let m = maximum(x)
        if !(m > -.infinity) { return nil }
        let n = x.count
        var i = 0
        let base = UnsafeRawPointer(x.baseAddress)
        let target = V(repeating: m)
        while i + 16 <= n {
            if any(base!.loadUnaligned(fromByteOffset: i * 4, as: V.self) .== target) { break }
            i += 16
        }
        while x[i] != m { i += 1 }
        return i
    }

    /// The sum in `Double` of the values of `x` that are `>= threshold` (16 lanes, then the
    /// lanes, then the tail, so the order is fixed).
    static func sum(_ x: UnsafeBufferPointer<Float>, atLeast threshold: Float) -> Double {
        let n = x.count
        var i = 0
        var sumLow = SIMD8<Double>(repeating: 0)
        var sumHigh = SIMD8<Double>(repeating: 0)
        let base = UnsafeRawPointer(x.baseAddress)
        let t = V(repeating: threshold)
        while i + 16 <= n {
            var v = base!.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            v.replace(with: 0, where: v .< t)
            sumLow += SIMD8<Double>(v.lowHalf)
            sumHigh += SIMD8<Double>(v.highHalf)
            i += 16
        }
        var total = (sumLow + sumHigh).sum()
        while i < n {
            if x[i] >= threshold { total += Double(x[i]) }
            i += 1
        }
        return total
    }

    /// Writes `exp(x[i] - shift)` to `out[i]` and returns the sum of the outputs in `Double`
    /// (summed in a fixed order: 16 lanes, then the lanes, then the tail).
    static func expShifted(_ x: UnsafeBufferPointer<Float>, minus shift: Float, into out: UnsafeMutableBufferPointer<Float>) -> Double {
        precondition(out.count >= x.count)
        let n = x.count
        var i = 0
        var sumLow = SIMD8<Double>(repeating: 0)
        var sumHigh = SIMD8<Double>(repeating: 0)
        let src = UnsafeRawPointer(x.baseAddress)
        let dst = UnsafeMutableRawPointer(out.baseAddress)
        let s = V(repeating: shift)
        while i + 16 <= n {
            let w = exp(src!.loadUnaligned(fromByteOffset: i * 4, as: V.self) - s)
            dst!.storeBytes(of: w, toByteOffset: i * 4, as: V.self)
            sumLow += SIMD8<Double>(w.lowHalf)
            sumHigh += SIMD8<Double>(w.highHalf)
            i += 16
        }
        var total = (sumLow + sumHigh).sum()
        if i < n {
            var tail = V(repeating: -.infinity)
            for j in i..<n { tail[j - i] = x[j] }
            let w = exp(tail - s)
            for j in i..<n {
                out[j] = w[j - i]
                total += Double(w[j - i])
            }
        }
        return total
    }

    /// An unsigned key with the order of the floats: `a < b` exactly when
    /// `orderedBits(a) < orderedBits(b)`, for non-NaN values (-0 and +0 get one key).
    @inline(__always)
    static func orderedBits(_ x: Float) -> UInt32 {
        let bits = (x + 0).bitPattern  // + 0 turns -0 into +0
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// The float with the key `key` (inverse of ``orderedBits(_:)``).
    @inline(__always)
    static func float(orderedBits key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }
}
