#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fast CPU math on raw fp32 buffers for a GPT-2 forward pass. Every kernel has a plain scalar
/// twin in `NaiveKernels` that the tests compare against.
///
/// Conventions: matrices are row-major with an explicit row stride (`ld*`, in elements, at least
/// the row width); pointers must stay valid for the whole call; outputs never alias inputs unless
/// a kernel says it works in place. `pool: nil` runs on the calling thread.
public enum Kernels {
    typealias V = SIMD16<Float>




    /// `y[i] += x[i]` for `count` elements (the residual add).
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeV(loadV(y + i) + loadV(x + i), y + i)
            i += 16
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// GPT-2's tanh GELU in place, `x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, over
    /// `count` elements; large buffers are split over `pool`.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool? = nil) {
        let chunk = 16 * 1024
        if let pool, pool.threadCount > 1, count >= 2 * chunk {
            let pieces = (count + chunk - 1) / chunk
            pool.parallelFor(pieces) { piece in
                let start = piece * chunk
                geluTanhSerial(x + start, count: min(chunk, count - start))
            }
        } else {
            geluTanhSerial(x, count: count)
        }
    }

    static func geluTanhSerial(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            storeV(vectorGeluTanh(loadV(x + i)), x + i)
            i += 16
        }
        if i < count {
            var tail = V()
            for j in i..<count { tail[j - i] = x[j] }
            let result = vectorGeluTanh(tail)
            for j in i..<count { x[j] = result[j - i] }
        }
    }

    /// Largest element of `x[0..<count]` (`-inf` for an empty row).
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        // Compare-and-select: pointwiseMax follows IEEE maximum's NaN rules and scalarizes.
        var best0 = V(repeating: -.infinity), best1 = best0
        var i = 0
        while i + 32 <= count {
            let v0 = loadV(x + i), v1 = loadV(x + i + 16)
            best0.replace(with: v0, where: v0 .> best0)
            best1.replace(with: v1, where: v1 .> best1)
            i += 32
        }
        best0.replace(with: best1, where: best1 .> best0)
        var best = -Float.infinity
        for lane in 0..<16 { best = Swift.max(best, best0[lane]) }
        while i < count {
            best = Swift.max(best, x[i])
            i += 1
        }
        return best
    }

    /// Replaces `x[i]` by `exp(x[i] - shift)` and returns the sum of the new values.
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        let s = V(repeating: shift)
        var sum0 = V(), sum1 = V()
        var i = 0
        while i + 32 <= count {
            let e0 = vectorExp(loadV(x + i) - s)
            let e1 = vectorExp(loadV(x + i + 16) - s)
            storeV(e0, x + i)
            storeV(e1, x + i + 16)
            sum0 += e0
            sum1 += e1
            i += 32
        }
        while i < count {
            let n = Swift.min(16, count - i)
            var tail = V(repeating: -.infinity)
            for j in 0..<n { tail[j] = x[i + j] }
            let e = vectorExp(tail - s)
            for j in 0..<n { x[i + j] = e[j] }
            sum0 += e.replacing(with: 0, where: tail .== V(repeating: -.infinity))
            i += n
        }
        return (sum0 + sum1).sum()
    }

    /// Softmax of `x[0..<count]` in place: `exp(x - max) / sum(exp(x - max))`.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let sum = exponentiate(x, count: count, shift: maximum(x, count: count))
        scale(x, count: count, by: 1 / sum)
    }

    /// Softmax of `x[0..<count]` in place for a scratch row with at least 15 writable floats
    /// after `count`: the row is padded with -inf to whole vectors, so short rows (attention
    /// scores) skip the element-by-element tail. The padding ends up 0.
    static func softmaxPadded(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let padded = (count + 15) / 16 * 16
        for i in count..<padded { x[i] = -.infinity }
        var top = V(repeating: -.infinity)
        var i = 0
        while i < padded {
            let v = loadV(x + i)
            top.replace(with: v, where: v .> top)
            i += 16
        }
        var shift = -Float.infinity
        for lane in 0..<16 { shift = Swift.max(shift, top[lane]) }
        let s = V(repeating: shift)
        var sum = V()
        i = 0
        while i < padded {
            let e = vectorExp(loadV(x + i) - s)
            storeV(e, x + i)
            sum += e
            i += 16
        }
        let factor = V(repeating: 1 / sum.sum())
        i = 0
        while i < padded {
            storeV(loadV(x + i) * factor, x + i)
            i += 16
        }
    }

    /// Log-softmax of `x[0..<count]` in place: `x - max - log(sum(exp(x - max)))`.
    public static func logSoftmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let top = maximum(x, count: count)
        let s = V(repeating: top)
        var sum0 = V(), sum1 = V()
        var i = 0
        while i + 32 <= count {
            sum0 += vectorExp(loadV(x + i) - s)
            sum1 += vectorExp(loadV(x + i + 16) - s)
            i += 32
        }
        var total = (sum0 + sum1).sum()
        while i < count {
            total += expf(x[i] - top)
            i += 1
        }
        // (x - top) is exact for the entries that matter, so subtract the two parts separately.
        let logTotal = logf(total)
        let l = V(repeating: logTotal)
        i = 0
        while i + 16 <= count {
            storeV((loadV(x + i) - s) - l, x + i)
            i += 16
        }
        while i < count {
            x[i] = (x[i] - top) - logTotal
            i += 1
        }
    }

    /// `x[i] *= factor` for `count` elements.
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let f = V(repeating: factor)
        var i = 0
        while i + 16 <= count {
            storeV(loadV(x + i) * f, x + i)
            i += 16
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }
}

// Vectorized transcendentals: polynomial exp accurate to ~2 ulp, from FMAs and bit
// manipulation so it stays in vector registers (file-local so debug builds inline it).

extension Kernels {
    /// `vectorExp` for the other files of the module.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> { vectorExp(x) }
}

/// e^x per lane; 0 below -87.33 (where float underflows), +inf above 88.72, NaN stays NaN.
@inline(__always)
private func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    // x = n ln2 + r with |r| <= ln2 / 2, then e^x = 2^n e^r.
    // Clamp with compare-and-select: SIMD's clamped/pointwiseMin follow IEEE minimum's NaN
    // rules and compile to a scalar loop.
    var clamped = x.replacing(with: -87.33, where: x .< SIMD16<Float>(repeating: -87.33))
    clamped.replace(with: 88.37, where: clamped .> SIMD16<Float>(repeating: 88.37))
    clamped.replace(with: 0, where: x .!= x)
    // Adding 1.5 * 2^23 rounds to an integer and leaves n in the low mantissa bits.
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let nPlusMagic = magic.addingProduct(clamped, SIMD16<Float>(repeating: 1.442_695_04))
    let n = nPlusMagic - magic
    var r = clamped.addingProduct(n, SIMD16<Float>(repeating: -0.693_359_375))
    r = r.addingProduct(n, SIMD16<Float>(repeating: 2.121_944_4e-4))
    var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
    p = SIMD16<Float>(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
    let r2 = r * r
    let er = (r + 1).addingProduct(p, r2)
    let bits = unsafeBitCast(nPlusMagic, to: SIMD16<UInt32>.self)
    let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD16<Float>.self)
    var result = er * scale
    result.replace(with: 0, where: x .< SIMD16<Float>(repeating: -87.33))
    result.replace(with: .infinity, where: x .> SIMD16<Float>(repeating: 88.72))
    result.replace(with: x, where: x .!= x)
    return result
}

/// GPT-2's tanh GELU: 0.5 x (1 + tanh(u)) with u = sqrt(2/pi)(x + 0.044715 x^3), computed as
/// x / (1 + e^(-2u)), the same function without tanh's cancellation near -1.
@inline(__always)
private func vectorGeluTanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let x3 = x * x * x
    let u = (x3 * SIMD16<Float>(repeating: 0.044_715) + x) * SIMD16<Float>(repeating: 0.797_884_560_802_865_4)
    let e = vectorExp(u * -2)
    return x / (e + 1)
}
