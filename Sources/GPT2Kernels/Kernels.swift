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

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// `y[i] += x[i]` for `count` elements (the residual add).
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(load(y + i) + load(x + i), y + i)
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
            store(VectorMath.geluTanh(load(x + i)), x + i)
            i += 16
        }
        if i < count {
            var tail = V()
            for j in i..<count { tail[j - i] = x[j] }
            let result = VectorMath.geluTanh(tail)
            for j in i..<count { x[j] = result[j - i] }
        }
    }

    /// Largest element of `x[0..<count]` (`-inf` for an empty row).
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best0 = V(repeating: -.infinity), best1 = best0
        var i = 0
        while i + 32 <= count {
            best0 = pointwiseMax(best0, load(x + i))
            best1 = pointwiseMax(best1, load(x + i + 16))
            i += 32
        }
        var best = pointwiseMax(best0, best1).max()
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
            let e0 = VectorMath.exp(load(x + i) - s)
            let e1 = VectorMath.exp(load(x + i + 16) - s)
            store(e0, x + i)
            store(e1, x + i + 16)
            sum0 += e0
            sum1 += e1
            i += 32
        }
        while i < count {
            let n = Swift.min(16, count - i)
            var tail = V(repeating: -.infinity)
            for j in 0..<n { tail[j] = x[i + j] }
            let e = VectorMath.exp(tail - s)
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

    /// Log-softmax of `x[0..<count]` in place: `x - max - log(sum(exp(x - max)))`.
    public static func logSoftmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let top = maximum(x, count: count)
        let s = V(repeating: top)
        var sum0 = V(), sum1 = V()
        var i = 0
        while i + 32 <= count {
            sum0 += VectorMath.exp(load(x + i) - s)
            sum1 += VectorMath.exp(load(x + i + 16) - s)
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
            store((load(x + i) - s) - l, x + i)
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
            store(load(x + i) * f, x + i)
            i += 16
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }
}
