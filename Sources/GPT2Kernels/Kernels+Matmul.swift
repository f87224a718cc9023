extension Kernels {
    /// `C[m, n] = A[m, k] · B (+ bias[n])`, or `C += A · B (+ bias)` when `accumulate`.
    ///
    /// - `a`: activations, `m` rows of `k` floats, row stride `lda`.
    /// - `b`: the weight. `transposedB == false`: `[k, n]` row-major with row stride `ldb`
    ///   (Hugging Face Conv1D layout: GPT-2's c_attn, c_proj, c_fc). `transposedB == true`:
    ///   `[n, k]` row-major with row stride `ldb` (a tied lm_head: `logits = h · wte^T`).
    /// - `bias`: `n` floats or nil. `c`: `m` rows of `n` floats, row stride `ldc`; must not
    ///   overlap `a` or `b`.
    /// - `pool`: splits the work so that each thread reads its own contiguous region of `b`
    ///   (blocks of rows of the weight); `nil` runs on the calling thread.
    ///
    /// Few rows of A (decode) are bound by reading the weight, which every path reads once per
    /// call in memory order; many rows (prompts) run register-blocked 6x16 tiles. Results match
    /// a double-accumulated product to ~1e-6 relative of `sum |a_ip b_pj|`; the summation order
    /// depends on the path and the thread count.
    public static func matmul(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool,
                              bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int,
                              m: Int, n: Int, k: Int, accumulate: Bool = false, pool: ThreadPool?) {
        if m <= 0 || n <= 0 { return }
        precondition(ldc >= n && (k <= 0 || (lda >= k && ldb >= (transposedB ? k : n))),
                     "Kernels.matmul: a row stride is smaller than its row (lda \(lda) < k \(k), ldb \(ldb), or ldc \(ldc) < n \(n)).")
        if k <= 0 {
            for i in 0..<m {
                for j in 0..<n {
                    let base: Float = accumulate ? c[i * ldc + j] : 0
                    c[i * ldc + j] = base + (bias?[j] ?? 0)
                }
            }
            return
        }
        let operands = MatmulOperands(a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c, ldc: ldc,
                                      m: m, n: n, k: k, accumulate: accumulate)
        // The table's choice at the portable level: its Swift routes, which take any row stride of `b`.
        let layout: WeightMatrix.Layout = transposedB ? .outputMajor : .inputMajor
        runF32(LinearRoute.choose(format: .f32, layout: layout, rows: m, isa: .portable), operands, pool: pool,
               isa: .portable)
    }
}
