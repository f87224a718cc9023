/// Vectorized transcendental functions for the kernels: polynomial `exp` accurate to ~2 ulp,
/// built from FMAs and bit manipulation so it stays in vector registers.
enum VectorMath {
    typealias V = SIMD16<Float>

    /// e^x per lane; 0 below -87.33 (where float underflows), +inf above 88.72, NaN stays NaN.
    @inline(__always)
    static func exp(_ x: V) -> V {
        // x = n ln2 + r with |r| <= ln2 / 2, then e^x = 2^n e^r.
        let clamped = x.clamped(lowerBound: V(repeating: -87.33), upperBound: V(repeating: 88.37))
        // Adding 1.5 * 2^23 rounds to an integer and leaves n in the low mantissa bits.
        let magic = V(repeating: 12_582_912)
        let nPlusMagic = magic.addingProduct(clamped, V(repeating: 1.442_695_04))
        let n = nPlusMagic - magic
        var r = clamped.addingProduct(n, V(repeating: -0.693_359_375))
        r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
        var p = V(repeating: 1.987_569_15e-4)
        p = V(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = V(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let r2 = r * r
        let er = (r + 1).addingProduct(p, r2)
        let bits = unsafeBitCast(nPlusMagic, to: SIMD16<UInt32>.self)
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        var result = er * scale
        result.replace(with: 0, where: x .< V(repeating: -87.33))
        result.replace(with: .infinity, where: x .> V(repeating: 88.72))
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// GPT-2's tanh GELU: 0.5 x (1 + tanh(u)) with u = sqrt(2/pi)(x + 0.044715 x^3), computed as
    /// x / (1 + e^(-2u)), the same function without tanh's cancellation near -1.
    @inline(__always)
    static func geluTanh(_ x: V) -> V {
        let x3 = x * x * x
        let u = (x3 * V(repeating: 0.044_715) + x) * V(repeating: 0.797_884_560_802_865_4)
        let e = exp(u * -2)
        return x / (e + 1)
    }
}
