import Foundation

/// GPT-2's per-position layers for training (see `TrainingKernels`): embeddings, LayerNorm,
/// linear layers in Hugging Face's Conv1D layout (weight [K, N], y = x · W + b), GPT-2's tanh
/// GELU, and the residual add. `rows` is batch x time (B·T).
extension TrainingKernels {
    // MARK: Embeddings

    /// out[BT,C] = wte[tokens[bt]] + wpe[bt % T]
    public static func encoderForward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                                      wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
                                      batch: Int, time: Int, channels c: Int) {
        for b in 0..<batch {
            for t in 0..<time {
                let row = b * time + t
                let o = out + row * c, w = wte + Int(tokens[row]) * c, p = wpe + t * c
                for i in 0..<c { o[i] = w[i] + p[i] }
            }
        }
    }

    /// dwte[V,C] += dout rows at their tokens, dwpe[T,C] += dout rows at their positions; either
    /// may be nil when frozen.
    public static func encoderBackward(dwte: UnsafeMutablePointer<Float>?, dwpe: UnsafeMutablePointer<Float>?,
                                       dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                                       batch: Int, time: Int, channels c: Int) {
        for b in 0..<batch {
            for t in 0..<time {
                let row = b * time + t
                let d = dout + row * c
                if let dwte { axpy(1, d, dwte + Int(tokens[row]) * c, count: c) }
                if let dwpe { axpy(1, d, dwpe + t * c, count: c) }
            }
        }
    }

    // MARK: LayerNorm

    /// out[N,C] = (inp - mean) * rstd * weight + bias, keeping mean[N] and rstd[N] (1 / std)
    public static func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                        rows: Int, channels c: Int, epsilon: Float) {
        for r in 0..<rows {
            let x = inp + r * c, o = out + r * c
            var sum: Float = 0
            for i in 0..<c { sum += x[i] }
            let m = sum / Float(c)
            var variance: Float = 0
            for i in 0..<c {
                let d = x[i] - m
                variance += d * d
            }
            variance /= Float(c)
            let s = 1 / (variance + epsilon).squareRoot()
            for i in 0..<c { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[r] = m
            rstd[r] = s
        }
    }

    /// dinp[N,C] += ∂L/∂inp, dweight[C] += Σ dout·x̂, dbias[C] += Σ dout (nil when frozen)
    public static func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                                         dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                         inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         rows: Int, channels c: Int) {
        for r in 0..<rows {
            let d = dout + r * c, x = inp + r * c, di = dinp + r * c
            let m = mean[r], s = rstd[r]
            // The two means the input gradient subtracts: of dnorm and of dnorm · x̂.
            var dnormMean: Float = 0, dnormNormMean: Float = 0
            for i in 0..<c {
                let norm = (x[i] - m) * s
                let dnorm = weight[i] * d[i]
                dnormMean += dnorm
                dnormNormMean += dnorm * norm
            }
            dnormMean /= Float(c)
            dnormNormMean /= Float(c)
            for i in 0..<c {
                let norm = (x[i] - m) * s
                let dnorm = weight[i] * d[i]
                dbias?[i] += d[i]
                dweight?[i] += norm * d[i]
                di[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
            }
        }
    }

    // MARK: Linear (Conv1D)

    /// out[N,Cout] = inp[N,Cin] · weight[Cin,Cout] + bias[Cout]
    public static func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                     rows: Int, inputs k: Int, outputs n: Int, pool: ThreadPool?) {
        Kernels.matmul(a: inp, lda: k, b: weight, ldb: n, transposedB: false, bias: bias, c: out, ldc: n,
                       m: rows, n: n, k: k, pool: pool)
    }

    /// dinp[N,Cin] += dout · weightᵀ, dweight[Cin,Cout] += inpᵀ · dout, dbias[Cout] += Σ dout
    /// (dweight and dbias nil when frozen)
    public static func linearBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                                      dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                      inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      rows: Int, inputs k: Int, outputs n: Int, pool: ThreadPool?) {
        Kernels.matmul(a: dout, lda: n, b: weight, ldb: n, transposedB: true, bias: nil, c: dinp, ldc: k,
                       m: rows, n: k, k: n, accumulate: true, pool: pool)
        if let dweight {
            accumulateTransposedAProduct(m: k, n: n, p: rows, a: inp, b: dout, c: dweight, pool: pool)
        }
        if let dbias {
            for r in 0..<rows { axpy(1, dout + r * n, dbias, count: n) }
        }
    }

    // MARK: GELU and residual

    static let geluScale = Float((2.0 / Double.pi).squareRoot())

    /// out[N] = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    public static func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int,
                                   pool: ThreadPool? = nil) {
        out.update(from: inp, count: count)
        Kernels.geluTanh(out, count: count, pool: pool)
    }

    /// dinp[N] += gelu'(inp) · dout, 16 lanes at a time.
    public static func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                    dout: UnsafePointer<Float>, count: Int, pool: ThreadPool? = nil) {
        let chunk = 16 * 1024
        splitting((count + chunk - 1) / chunk, pool: pool) { range in
            let end = min(count, range.upperBound * chunk)
            var i = range.lowerBound * chunk
            while i + 16 <= end {
                storeV(loadV(dinp + i) + geluDerivative(loadV(inp + i)) * loadV(dout + i), dinp + i)
                i += 16
            }
            if i < end {
                var x = SIMD16<Float>(), d = SIMD16<Float>()
                for j in i..<end { x[j - i] = inp[j]; d[j - i] = dout[j] }
                let local = geluDerivative(x)
                for j in i..<end { dinp[j] += local[j - i] * d[j - i] }
            }
        }
    }

    /// gelu'(x) = s + 2 s (1 - s) √(2/π) (1 + 3 · 0.044715 x²) x, where s = (1 + tanh u) / 2 =
    /// 1 / (1 + e^(-2u)) (the forward kernel's form) and 0.5 sech² u = 2 s (1 - s). With
    /// a = e^(-2|u|) in (0, 1]: s (1 - s) = a / (1 + a)², and s = 1 / (1 + a) or a / (1 + a) by
    /// the sign of u, so neither factor loses digits to cancellation near s = 1 or overflows;
    /// where a underflows to 0 the derivative is its limit s (0 or 1).
    @inline(__always)
    static func geluDerivative(_ x: SIMD16<Float>) -> SIMD16<Float> {
        typealias V = SIMD16<Float>
        let x2 = x * x
        let scale = V(repeating: geluScale)
        let u = (x2 * x * V(repeating: 0.044715) + x) * scale
        let negative = u .< 0
        let a = Kernels.exp(u.replacing(with: -u, where: negative) * -2)
        let inverse = 1 / (a + 1)
        let s = inverse.replacing(with: a * inverse, where: negative)
        let slope = (x2 * V(repeating: 3 * 0.044715) + 1) * scale * x
        var derivative = s + 2 * (a * inverse * inverse) * slope
        derivative.replace(with: s, where: a .== 0)
        return derivative
    }

    /// out[N] = a + b
    public static func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                                       b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            store(load(a + i) + load(b + i), out + i)
            i += 8
        }
        while i < count {
            out[i] = a[i] + b[i]
            i += 1
        }
    }

    /// y[N] += alpha · x
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let va = V8(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            var v = load(y + i)
            v.addProduct(va, load(x + i))
            store(v, y + i)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// Σ x[i] · y[i] (GEMV's dot product).
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        GEMV.dot1(x, y, count)
    }
}
