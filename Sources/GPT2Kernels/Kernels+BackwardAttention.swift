import Foundation

/// Causal multi-head self-attention and the tied LM head with cross-entropy, for training
/// (see `TrainingKernels`).
extension TrainingKernels {
    // MARK: Attention

    /// out[B,T,C] = softmax(q·kᵀ/√hs, causal) · v per head, from qkv[B,T,3C] (q | k | v);
    /// keeps att[B,NH,T,T] (the softmax, zero above the diagonal). With `out` nil it only
    /// computes att, with the same bits: the backward pass recomputes a layer's att that way.
    public static func attentionForward(out: UnsafeMutablePointer<Float>?, att: UnsafeMutablePointer<Float>,
                                        qkv: UnsafePointer<Float>, batch: Int, time: Int, channels c: Int,
                                        heads: Int, pool: ThreadPool?) {
        let hs = c / heads, c3 = 3 * c
        let scale = 1 / Float(hs).squareRoot()
        splitting(batch * heads, pool: pool) { range in
            for bh in range {
                let b = bh / heads, h = bh % heads
                for t in 0..<time {
                    let q = qkv + (b * time + t) * c3 + h * hs
                    let row = att + ((b * heads + h) * time + t) * time
                    var maximum = -Float.infinity
                    for t2 in 0...t {
                        let k = qkv + (b * time + t2) * c3 + c + h * hs
                        let v = dot(q, k, count: hs) * scale
                        row[t2] = v
                        maximum = max(maximum, v)
                    }
                    var sum: Float = 0
                    for t2 in 0...t {
                        let e = expf(row[t2] - maximum)
                        row[t2] = e
                        sum += e
                    }
                    let inverse = 1 / sum
                    for t2 in 0...t { row[t2] *= inverse }
                    for t2 in (t + 1)..<max(time, t + 1) { row[t2] = 0 }
                    guard let out else { continue }
                    let o = out + (b * time + t) * c + h * hs
                    o.update(repeating: 0, count: hs)
                    for t2 in 0...t {
                        let v = qkv + (b * time + t2) * c3 + 2 * c + h * hs
                        axpy(row[t2], v, o, count: hs)
                    }
                }
            }
        }
    }

    /// dqkv[B,T,3C] += ∂L/∂qkv from dout[B,T,C], given the forward's qkv and att[B,NH,T,T]
    public static func attentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                         qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                                         batch: Int, time: Int, channels c: Int, heads: Int, pool: ThreadPool?) {
        let hs = c / heads, c3 = 3 * c
        let scale = 1 / Float(hs).squareRoot()
        splitting(batch * heads, pool: pool) { range in
            // ∂L/∂att for one query row (scratch, per thread).
            let datt = UnsafeMutablePointer<Float>.allocate(capacity: max(time, 1))
            defer { datt.deallocate() }
            for bh in range {
                let b = bh / heads, h = bh % heads
                for t in 0..<time {
                    let row = att + ((b * heads + h) * time + t) * time
                    let d = dout + (b * time + t) * c + h * hs
                    let q = qkv + (b * time + t) * c3 + h * hs
                    let dq = dqkv + (b * time + t) * c3 + h * hs
                    // out = Σ att·v: gradients for att and v.
                    var weighted: Float = 0
                    for t2 in 0...t {
                        let v = qkv + (b * time + t2) * c3 + 2 * c + h * hs
                        let dv = dqkv + (b * time + t2) * c3 + 2 * c + h * hs
                        datt[t2] = dot(v, d, count: hs)
                        axpy(row[t2], d, dv, count: hs)
                        weighted += row[t2] * datt[t2]
                    }
                    // Softmax: dpre = att · (datt - Σ att·datt); then pre = q·k · scale.
                    for t2 in 0...t {
                        let dpre = row[t2] * (datt[t2] - weighted) * scale
                        let k = qkv + (b * time + t2) * c3 + c + h * hs
                        let dk = dqkv + (b * time + t2) * c3 + c + h * hs
                        axpy(dpre, k, dq, count: hs)
                        axpy(dpre, q, dk, count: hs)
                    }
                }
            }
        }
    }

    // MARK: Tied LM head and cross-entropy

    /// probs[BT,V] = softmax(inp[BT,C] · wteᵀ); losses[BT] = -log probs[target]. Returns the mean loss.
    public static func crossEntropyForward(probs: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                                           inp: UnsafePointer<Float>, wte: UnsafePointer<Float>,
                                           targets: UnsafePointer<Int32>, rows: Int, channels c: Int,
                                           vocabulary v: Int, pool: ThreadPool?) -> Float {
        Kernels.matmul(a: inp, lda: c, b: wte, ldb: c, transposedB: true, bias: nil, c: probs, ldc: v,
                       m: rows, n: v, k: c, pool: pool)
        splitting(rows, pool: pool) { range in
            for r in range {
                let p = probs + r * v
                let maximum = Kernels.maximum(p, count: v)
                let target = p[Int(targets[r])] - maximum
                let sum = Kernels.exponentiate(p, count: v, shift: maximum)
                // -log softmax as log-sum-exp minus the logit, which keeps precision for tiny probabilities.
                losses[r] = logf(sum) - target
                Kernels.scale(p, count: v, by: 1 / sum)
            }
        }
        var total: Double = 0
        for r in 0..<rows { total += Double(losses[r]) }
        return Float(total / Double(max(rows, 1)))
    }

    /// Vocabulary entries per block of the LM head's backward products, which then copy (pack,
    /// transpose) rows x block floats of dlogits at a time instead of all rows x V. A multiple
    /// of the packed-tiles GEMM's depth block, so on that route (many rows) dinp's sums come out
    /// bit for bit as from one product over the whole vocabulary.
    static let vocabularyBlock = 16 * GEMM.depthBlock

    /// Turns probs into dlogits = (probs - onehot(target)) · dloss in place, then
    /// dinp[BT,C] += dlogits · wte and dwte[V,C] += dlogitsᵀ · inp (dwte nil when frozen),
    /// a block of `vocabularyBlock` vocabulary entries at a time
    public static func crossEntropyBackward(dinp: UnsafeMutablePointer<Float>, dwte: UnsafeMutablePointer<Float>?,
                                            probs: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                            wte: UnsafePointer<Float>, targets: UnsafePointer<Int32>, dloss: Float,
                                            rows: Int, channels c: Int, vocabulary v: Int, pool: ThreadPool?) {
        splitting(rows, pool: pool) { range in
            for r in range {
                let p = probs + r * v
                p[Int(targets[r])] -= 1
                for i in 0..<v { p[i] *= dloss }
            }
        }
        var first = 0
        while first < v {
            let width = min(vocabularyBlock, v - first)
            Kernels.matmul(a: probs + first, lda: v, b: wte + first * c, ldb: c, transposedB: false, bias: nil,
                           c: dinp, ldc: c, m: rows, n: c, k: width, accumulate: true, pool: pool)
            if let dwte {
                accumulateTransposedAProduct(m: width, n: c, p: rows, a: probs + first, lda: v, b: inp,
                                             c: dwte + first * c, pool: pool)
            }
            first += width
        }
    }
}
