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
    /// - `pool`: splits the columns of C (the weight) over threads, so each thread streams a
    ///   disjoint slice of `b`.
    public static func matmul(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool,
                              bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int,
                              m: Int, n: Int, k: Int, accumulate: Bool = false, pool: ThreadPool?) {
        if m <= 0 || n <= 0 { return }
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

/// The arguments of one `Kernels.matmul` call, passed whole to the GEMV / GEMM drivers.
struct MatmulOperands: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let lda: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let bias: UnsafePointer<Float>?
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let m: Int
    let n: Int
    let k: Int
    let accumulate: Bool

    /// Writes a computed value `sum` (the dot product of row `i` and column `j`) into C.
    @inline(__always)
    func emit(_ sum: Float, row i: Int, column j: Int) {
        var value = sum
        if let bias { value += bias[j] }
        if accumulate { value += c[i * ldc + j] }
        c[i * ldc + j] = value
    }

    /// Writes 16 computed values for row `i`, columns `j..<j+16`.
    @inline(__always)
    func emit(_ sum: SIMD16<Float>, row i: Int, column j: Int) {
        var value = sum
        if let bias { value += loadV(bias + j) }
        let target = c + i * ldc + j
        if accumulate { value += loadV(target) }
        storeV(value, target)
    }

    /// Writes the first `width` lanes of `sum` for row `i`, columns `j..<j+width`.
    @inline(__always)
    func emit(_ sum: SIMD16<Float>, row i: Int, column j: Int, width: Int) {
        if width == 16 {
            emit(sum, row: i, column: j)
        } else {
            for lane in 0..<width { emit(sum[lane], row: i, column: j + lane) }
        }
    }

    /// Runs `body(first, end)` over `[0, total)` cut into pieces of `piece` (a multiple of the
    /// kernel's width), spread over `pool`.
    func split(_ total: Int, piece: Int, pool: ThreadPool?, _ body: (Int, Int) -> Void) {
        let pieces = (total + piece - 1) / piece
        if let pool, pool.threadCount > 1, pieces > 1 {
            pool.parallelFor(pieces) { p in body(p * piece, min(total, (p + 1) * piece)) }
        } else {
            body(0, total)
        }
    }
}

// File-local copies of the vector load/store: without whole-module optimization (debug
// builds) a helper from another file is a real call inside the inner loop.
@inline(__always)
private func loadV(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func loadV(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func storeV(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
