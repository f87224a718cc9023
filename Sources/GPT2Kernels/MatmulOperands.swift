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
    /// A is stored transposed: `[k, m]` with row stride `lda` (only the packed-tiles GEMM,
    /// `GEMM.plain`, reads this; it packs A's rows from the columns).
    var transposedA = false

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

