/// Kernels for training GPT-2 on the CPU: every layer's forward pass that keeps what its backward
/// pass needs, and the backward pass beside it, in the style of llm.c (`x_forward` / `x_backward`
/// pairs on raw fp32 buffers, row-major, shapes in a comment above each). Gradients are always
/// accumulated (`+=`), so that micro-batches add up and a shared weight (the tied LM head and
/// token embedding) receives both of its contributions.
///
/// The matrix products go through `Kernels.matmul` (packed, register-blocked GEMM); this file
/// adds the one product it lacks, C += Aᵀ · B (weight gradients), whose GEMM packs A from its
/// transposed storage (or, for few rows, transposes A first).
/// `pool` splits the work over threads; nil runs on the calling thread.
public enum TrainingKernels {
    typealias V8 = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }

    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }

    /// Splits `count` items into contiguous ranges, one per thread of `pool` (or one range).
    static func splitting(_ count: Int, pool: ThreadPool?, _ body: (Range<Int>) -> Void) {
        guard let pool, pool.threadCount > 1, count > 1 else {
            body(0..<count)
            return
        }
        let pieces = min(pool.threadCount, count)
        pool.parallelFor(pieces) { piece in
            let start = count * piece / pieces, end = count * (piece + 1) / pieces
            if start < end { body(start..<end) }
        }
    }

    /// out[cols, rows] = inp[rows, cols]ᵀ, in 32 x 32 tiles so both sides stay in cache; `ld` is
    /// inp's row stride (nil: `columns`, contiguous).
    public static func transpose(_ inp: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int? = nil,
                                 into out: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        let tile = 32, ld = ld ?? columns
        let columnTiles = (columns + tile - 1) / tile
        splitting(columnTiles, pool: pool) { range in
            for ct in range {
                let j0 = ct * tile, j1 = min(columns, j0 + tile)
                var i0 = 0
                while i0 < rows {
                    let i1 = min(rows, i0 + tile)
                    for j in j0..<j1 {
                        let o = out + j * rows
                        for i in i0..<i1 { o[i] = inp[i * ld + j] }
                    }
                    i0 = i1
                }
            }
        }
    }

    /// C[M,N] += A[P,M]ᵀ · B[P,N]: A, B, C row-major, B and C contiguous, A with row stride
    /// `lda` (nil: M) (a weight gradient: A the layer's input [tokens, in], B its output
    /// gradient [tokens, out]).
    public static func accumulateTransposedAProduct(m: Int, n: Int, p: Int, a: UnsafePointer<Float>, lda: Int? = nil,
                                                    b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                                    pool: ThreadPool?) {
        guard m > 0, n > 0, p > 0 else { return }
        if LinearRoute.choose(format: .f32, layout: .inputMajor, rows: m, isa: .portable) == .f32PackedTiles {
            // The route Kernels.matmul takes for these rows, told that A is stored transposed:
            // it packs the same values in the same order, so the bits equal transposing first.
            var operands = MatmulOperands(a: a, lda: lda ?? m, b: b, ldb: n, bias: nil, c: c, ldc: n,
                                          m: m, n: n, k: p, accumulate: true)
            operands.transposedA = true
            GEMM.plain(operands, pool: pool)
            return
        }
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: m * p)
        defer { transposed.deallocate() }
        transpose(a, rows: p, columns: m, ld: lda, into: transposed, pool: pool)
        Kernels.matmul(a: transposed, lda: p, b: b, ldb: n, transposedB: false, bias: nil, c: c, ldc: n,
                       m: m, n: n, k: p, accumulate: true, pool: pool)
    }
}
