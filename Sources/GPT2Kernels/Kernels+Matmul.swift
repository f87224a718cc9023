extension Kernels {
    // Which kernel runs, by rows of A (measured on GPT-2 124M shapes, Zen 4, fp32 weights from
    // DRAM; see KernelBenchmark). Few rows are bound by reading the weight: stream it once, in
    // memory order. Many rows are bound by FMA throughput: register-blocked tiles.
    /// Up to this many rows, a `[k, n]` weight is streamed row by row with sums in L1 (GEMV).
    static let streamRowsMaxRows = 2
    /// Up to this many rows, a `[k, n]` weight is read in blocks of whole rows (k split over
    /// threads) and multiplied from cache by register tiles; beyond, column blocks are packed.
    static let streamedMaxRows = 24
    /// Up to this many rows, a `[n, k]` weight is read row by row with dot products (GEMV);
    /// beyond, its rows are the broadcast operand of register tiles.
    static let dotRowsMaxRows = 4

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
        if transposedB {
            if m <= dotRowsMaxRows {
                GEMV.dotRows(operands, pool: pool)
            } else {
                GEMM.transposedB(operands, pool: pool)
            }
        } else if m <= streamRowsMaxRows {
            GEMV.streamRows(operands, pool: pool)
        } else if m <= streamedMaxRows {
            GEMM.streamed(operands, pool: pool)
        } else {
            GEMM.plain(operands, pool: pool)
        }
    }
}
