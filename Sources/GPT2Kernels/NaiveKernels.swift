#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain scalar references for every kernel in `Kernels`, written for obviousness rather than
/// speed, accumulating in Double. Tests (here and in other modules) compare against them.
/// Arguments mean exactly what they mean in `Kernels`.
public enum NaiveKernels {
    /// `C[m, n] = A[m, k] · B (+ bias[n])` (`+=` when `accumulate`); B is `[k, n]` or, when
    /// `transposedB`, `[n, k]`, with row stride `ldb`.
    public static func matmul(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool,
                              bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int,
                              m: Int, n: Int, k: Int, accumulate: Bool = false) {
        for i in 0..<max(0, m) {
            for j in 0..<max(0, n) {
                var sum = 0.0
                for p in 0..<max(0, k) {
                    let weight = transposedB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(a[i * lda + p]) * Double(weight)
                }
                if let bias { sum += Double(bias[j]) }
                if accumulate { sum += Double(c[i * ldc + j]) }
                c[i * ldc + j] = Float(sum)
            }
        }
    }

    /// Layer normalization of `rows` rows of `cols` floats (biased variance, `epsilon` inside
    /// the square root); optionally stores each row's mean and 1/std.
    public static func layerNorm(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 rows: Int, cols: Int, epsilon: Float,
                                 mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil) {
        for r in 0..<max(0, rows) {
            let x = input + r * cols
            var sum = 0.0
            for c in 0..<cols { sum += Double(x[c]) }
            let mu = sum / Double(cols)
            var squares = 0.0
            for c in 0..<cols { squares += (Double(x[c]) - mu) * (Double(x[c]) - mu) }
            let inverse = 1 / (squares / Double(cols) + Double(epsilon)).squareRoot()
            for c in 0..<cols {
                output[r * cols + c] = Float((Double(x[c]) - mu) * inverse * Double(weight[c]) + Double(bias[c]))
            }
            mean?[r] = Float(mu)
            rstd?[r] = Float(inverse)
        }
    }

    /// GPT-2's tanh GELU in place, `0.5 x (1 + tanh(u))`, `u = sqrt(2/pi) (x + 0.044715 x^3)`,
    /// evaluated as the identical `x / (1 + exp(-2u))` because `1 + tanh(u)` cancels to 0 in
    /// double precision once u < -19, while the true value stays a normal float down to x = -9.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<max(0, count) {
            let v = Double(x[i])
            let u = (2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
            x[i] = Float(v / (1 + exp(-2 * u)))
        }
    }

    /// `y[i] += x[i]`.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<max(0, count) { y[i] += x[i] }
    }

    /// Causal multi-head attention of `newTokens` queries against a KV cache (see
    /// `Kernels.causalAttention`); allocates its own scratch.
    public static func causalAttention(q: UnsafePointer<Float>, ldq: Int,
                                       keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                                       out: UnsafeMutablePointer<Float>, ldo: Int,
                                       newTokens: Int, startPosition: Int, heads: Int, headDim: Int) {
        let scale = 1 / Double(headDim).squareRoot()
        for t in 0..<max(0, newTokens) {
            let positions = startPosition + t + 1
            for h in 0..<heads {
                var scores = [Double](repeating: 0, count: positions)
                for j in 0..<positions {
                    var s = 0.0
                    for d in 0..<headDim {
                        s += Double(q[t * ldq + h * headDim + d]) * Double(keys[j * ldkv + h * headDim + d])
                    }
                    scores[j] = s * scale
                }
                let top = scores.max()!
                var total = 0.0
                for j in 0..<positions {
                    scores[j] = exp(scores[j] - top)
                    total += scores[j]
                }
                for d in 0..<headDim {
                    var o = 0.0
                    for j in 0..<positions { o += scores[j] / total * Double(values[j * ldkv + h * headDim + d]) }
                    out[t * ldo + h * headDim + d] = Float(o)
                }
            }
        }
    }

    /// max(x) and Σ exp(x - max(x)) over `x[0..<count]`, in Double.
    private static func maximumAndTotal(_ x: UnsafeMutablePointer<Float>, count: Int) -> (top: Double, total: Double) {
        var top = -Double.infinity
        for i in 0..<count { top = max(top, Double(x[i])) }
        var total = 0.0
        for i in 0..<count { total += exp(Double(x[i]) - top) }
        return (top, total)
    }

    /// Softmax of `x[0..<count]` in place.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let (top, total) = maximumAndTotal(x, count: count)
        for i in 0..<count { x[i] = Float(exp(Double(x[i]) - top) / total) }
    }

    /// Log-softmax of `x[0..<count]` in place.
    public static func logSoftmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        if count <= 0 { return }
        let (top, total) = maximumAndTotal(x, count: count)
        let offset = top + log(total)
        for i in 0..<count { x[i] = Float(Double(x[i]) - offset) }
    }
}
