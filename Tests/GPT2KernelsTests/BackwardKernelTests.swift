import Foundation
import GPT2Kernels
import Testing

/// Each training kernel's backward pass against central finite differences of its forward
/// pass, through a random linear read-out L = Σ r · out so every output matters. The model-level
/// check against PyTorch is GPT2TrainingTests; these localise a failure to one kernel.
@Suite struct BackwardKernelTests {
    /// ∂L/∂x[i] by central differences of `loss` (computed in Float, step `h`).
    static func numericGradient(_ x: inout [Float], h: Float = 1e-2, _ loss: ([Float]) -> Double) -> [Float] {
        (0..<x.count).map { i in
            let saved = x[i]
            x[i] = saved + h
            let up = loss(x)
            x[i] = saved - h
            let down = loss(x)
            x[i] = saved
            return Float((up - down) / Double(2 * h))
        }
    }

    static func readOut(_ out: [Float], _ r: [Float]) -> Double {
        zip(out, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test func layerNorm() {
        var g = SplitMix64(seed: 1)
        let rows = 3, c = 13
        var x = g.floats(rows * c), w = g.floats(c, in: 0.5...1.5)
        let b = g.floats(c), r = g.floats(rows * c)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * c), mean = [Float](repeating: 0, count: rows), rstd = mean
            TrainingKernels.layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b,
                                             rows: rows, channels: c, epsilon: 1e-5)
            return out
        }
        var mean = [Float](repeating: 0, count: rows), rstd = mean, out = [Float](repeating: 0, count: rows * c)
        TrainingKernels.layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b,
                                         rows: rows, channels: c, epsilon: 1e-5)
        var dx = [Float](repeating: 0, count: rows * c), dw = [Float](repeating: 0, count: c), db = dw
        TrainingKernels.layerNormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w,
                                          mean: mean, rstd: rstd, rows: rows, channels: c)
        expectClose(dx, Self.numericGradient(&x) { Self.readOut(forward($0, w), r) }, relative: 2e-2, absolute: 2e-3, "dx")
        expectClose(dw, Self.numericGradient(&w) { Self.readOut(forward(x, $0), r) }, relative: 2e-2, absolute: 2e-3, "dweight")
        // dbias is Σ over rows of dout.
        expectClose(db, (0..<c).map { j in (0..<rows).reduce(0) { $0 + r[$1 * c + j] } }, relative: 1e-5, absolute: 1e-6, "dbias")
    }

    @Test func causalAttention() {
        var g = SplitMix64(seed: 2)
        let batch = 2, time = 5, c = 6, heads = 2
        var qkv = g.floats(batch * time * 3 * c)
        let r = g.floats(batch * time * c)
        func forward(_ qkv: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: batch * time * c)
            var att = [Float](repeating: 0, count: batch * heads * time * time)
            TrainingKernels.attentionForward(out: &out, att: &att, qkv: qkv, batch: batch, time: time, channels: c,
                                             heads: heads, pool: nil)
            return out
        }
        var out = [Float](repeating: 0, count: batch * time * c), att = [Float](repeating: 0, count: batch * heads * time * time)
        TrainingKernels.attentionForward(out: &out, att: &att, qkv: qkv, batch: batch, time: time, channels: c, heads: heads, pool: nil)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        TrainingKernels.attentionBackward(dqkv: &dqkv, dout: r, qkv: qkv, att: att, batch: batch, time: time,
                                          channels: c, heads: heads, pool: ThreadPool(threadCount: 2))
        expectClose(dqkv, Self.numericGradient(&qkv) { Self.readOut(forward($0), r) }, relative: 2e-2, absolute: 2e-3, "dqkv")
        // Causality: the first position's output ignores every later key and value.
        #expect((1..<time).allSatisfy { t2 in att[t2] == 0 })
    }

    @Test func attentionRecomputedWithoutOutputHasTheSameBits() {
        // The backward pass recomputes att with out nil; its gradients equal the forward's only
        // if att comes out bit for bit the same.
        var g = SplitMix64(seed: 3)
        let batch = 2, time = 37, c = 64, heads = 4
        let qkv = g.floats(batch * time * 3 * c)
        var out = [Float](repeating: 0, count: batch * time * c)
        var att = [Float](repeating: 0, count: batch * heads * time * time)
        TrainingKernels.attentionForward(out: &out, att: &att, qkv: qkv, batch: batch, time: time, channels: c,
                                         heads: heads, pool: ThreadPool(threadCount: 2))
        var recomputed = [Float](repeating: .nan, count: att.count)
        TrainingKernels.attentionForward(out: nil, att: &recomputed, qkv: qkv, batch: batch, time: time, channels: c,
                                         heads: heads, pool: ThreadPool(threadCount: 2))
        #expect(recomputed.map(\.bitPattern) == att.map(\.bitPattern))
    }

    @Test func transposedAProductEqualsTransposingFirst() {
        // Weight gradients pack A straight from its [p, m] storage (row stride lda); the bits
        // must equal transposing A and multiplying, the way they were computed before.
        var g = SplitMix64(seed: 4)
        let m = 100, n = 40, p = 37, lda = m + 3
        let a = g.floats(p * lda), b = g.floats(p * n), start = g.floats(m * n)
        var ours = start
        TrainingKernels.accumulateTransposedAProduct(m: m, n: n, p: p, a: a, lda: lda, b: b, c: &ours,
                                                     pool: ThreadPool(threadCount: 2))
        var transposed = [Float](repeating: 0, count: m * p)
        TrainingKernels.transpose(a, rows: p, columns: m, ld: lda, into: &transposed, pool: nil)
        var reference = start
        Kernels.matmul(a: transposed, lda: p, b: b, ldb: n, transposedB: false, bias: nil, c: &reference, ldc: n,
                       m: m, n: n, k: p, accumulate: true, pool: ThreadPool(threadCount: 2))
        #expect(ours.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    @Test func gelu() {
        var g = SplitMix64(seed: 3)
        var x = g.floats(40, in: -4...4)
        let r = g.floats(40)
        func forward(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: x.count)
            TrainingKernels.geluForward(out: &out, inp: x, count: x.count)
            return out
        }
        var dx = [Float](repeating: 0, count: x.count)
        TrainingKernels.geluBackward(dinp: &dx, inp: x, dout: r, count: x.count)
        expectClose(dx, Self.numericGradient(&x, h: 1e-3) { Self.readOut(forward($0), r) }, relative: 2e-2, absolute: 2e-3, "dgelu")
    }

    /// The vector GELU derivative against the tanh formula in Double, on a grid over -12...12
    /// (4099 values: every lane position and a tail), at the extremes and at NaN.
    @Test func geluDerivativeMatchesTheTanhFormula() {
        let grid = (0..<4099).map { Float(-12 + 24 * Double($0) / 4098) }
        let x = grid + [0, -0.0, 1e-7, -1e-7, 30, -30, 100, -100, 1e30, -1e30, .nan]
        let dout = (0..<x.count).map { Float(1 + $0 % 3) }
        var dx = [Float](repeating: 0.5, count: x.count)
        TrainingKernels.geluBackward(dinp: &dx, inp: x, dout: dout, count: x.count)
        for i in 0..<x.count where !x[i].isNaN {
            let v = Double(x[i]), scale = (2 / Double.pi).squareRoot()
            let th = tanh(scale * (v + 0.044715 * v * v * v))
            let slope: Double = scale * (1 + 3 * 0.044715 * v * v)
            let local: Double = 0.5 * (1 + th) + v * 0.5 * (1 - th * th) * slope
            let expected = 0.5 + local * Double(dout[i])
            #expect(abs(Double(dx[i]) - expected) <= 2e-6 + 1e-6 * abs(expected), "x = \(x[i]): \(dx[i]) vs \(expected)")
        }
        #expect(dx.last!.isNaN)
    }

    @Test func linearAndCrossEntropy() {
        var g = SplitMix64(seed: 4)
        let rows = 5, k = 7, n = 19, v = 11
        var x = g.floats(rows * k), w = g.floats(k * n), wte = g.floats(v * n)
        let bias = g.floats(n)
        let targets: [Int32] = (0..<rows).map { Int32($0 * 3 % v) }
        // L = mean cross-entropy of softmax((x · W + b) · wteᵀ).
        func loss(_ x: [Float], _ w: [Float], _ wte: [Float]) -> Double {
            var h = [Float](repeating: 0, count: rows * n)
            TrainingKernels.linearForward(out: &h, inp: x, weight: w, bias: bias, rows: rows, inputs: k, outputs: n, pool: nil)
            var probs = [Float](repeating: 0, count: rows * v), losses = [Float](repeating: 0, count: rows)
            return Double(TrainingKernels.crossEntropyForward(probs: &probs, losses: &losses, inp: h, wte: wte, targets: targets,
                                                              rows: rows, channels: n, vocabulary: v, pool: nil))
        }
        var h = [Float](repeating: 0, count: rows * n)
        TrainingKernels.linearForward(out: &h, inp: x, weight: w, bias: bias, rows: rows, inputs: k, outputs: n, pool: nil)
        var probs = [Float](repeating: 0, count: rows * v), losses = [Float](repeating: 0, count: rows)
        _ = TrainingKernels.crossEntropyForward(probs: &probs, losses: &losses, inp: h, wte: wte, targets: targets,
                                                rows: rows, channels: n, vocabulary: v, pool: nil)
        var dh = [Float](repeating: 0, count: rows * n), dwte = [Float](repeating: 0, count: v * n)
        TrainingKernels.crossEntropyBackward(dinp: &dh, dwte: &dwte, probs: &probs, inp: h, wte: wte, targets: targets,
                                             dloss: 1 / Float(rows), rows: rows, channels: n, vocabulary: v, pool: nil)
        var dx = [Float](repeating: 0, count: rows * k), dw = [Float](repeating: 0, count: k * n), db = [Float](repeating: 0, count: n)
        TrainingKernels.linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: dh, inp: x, weight: w,
                                       rows: rows, inputs: k, outputs: n, pool: ThreadPool(threadCount: 2))
        expectClose(dwte, Self.numericGradient(&wte) { loss(x, w, $0) }, relative: 2e-2, absolute: 2e-3, "dwte")
        expectClose(dw, Self.numericGradient(&w) { loss(x, $0, wte) }, relative: 2e-2, absolute: 2e-3, "dweight")
        expectClose(dx, Self.numericGradient(&x) { loss($0, w, wte) }, relative: 2e-2, absolute: 2e-3, "dinp")
        expectClose(db, (0..<n).map { j in (0..<rows).reduce(0) { $0 + dh[$1 * n + j] } }, relative: 1e-5, absolute: 1e-6, "dbias")
    }
}
