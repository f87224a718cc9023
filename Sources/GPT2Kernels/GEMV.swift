/// Matrix products with few rows in A (decode: one to a few tokens). They are bound by the
/// bandwidth of reading the weight, so every kernel reads each weight element once per call
/// from memory and keeps its partial sums in registers.
enum GEMV {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    /// Columns per work item for the `[k, n]` layout (a multiple of 64).
    static func columnPiece(_ n: Int, threads: Int) -> Int {
        let perThread = (n + 4 * threads - 1) / (4 * threads)
        return max(64, (perThread + 63) / 64 * 64)
    }

    // MARK: - B stored [k, n]: stream the rows of B, accumulate column chunks in registers

    /// `C = A · B` with B `[k, n]`: for each chunk of columns, walk down the k rows of B and
    /// add `a[i, p] * B[p, chunk]` into register accumulators (axpy-style streaming).
    static func streamRows(_ o: MatmulOperands, pool: ThreadPool?) {
        let threads = pool?.threadCount ?? 1
        o.split(o.n, piece: columnPiece(o.n, threads: threads), pool: pool) { first, end in
            var i = 0
            while i < o.m {
                let rows = min(3, o.m - i)
                var j = first
                if rows == 1 {
                    while j + 64 <= end {
                        stream1x64(o, row: i, column: j)
                        j += 64
                    }
                }
                while j + 32 <= end {
                    stream3x32(o, row: i, rows: rows, column: j)
                    j += 32
                }
                while j < end {
                    let width = min(16, end - j)
                    stream3x16(o, row: i, rows: rows, column: j, width: width)
                    j += width
                }
                i += rows
            }
        }
    }

    @inline(never)
    static func stream1x64(_ o: MatmulOperands, row i: Int, column j: Int) {
        let a = o.a + i * o.lda
        var b = o.b + j
        var c0 = V(), c1 = V(), c2 = V(), c3 = V()
        for p in 0..<o.k {
            let x = V(repeating: a[p])
            c0 = c0.addingProduct(x, load(b))
            c1 = c1.addingProduct(x, load(b + 16))
            c2 = c2.addingProduct(x, load(b + 32))
            c3 = c3.addingProduct(x, load(b + 48))
            b += o.ldb
        }
        o.emit(c0, row: i, column: j)
        o.emit(c1, row: i, column: j + 16)
        o.emit(c2, row: i, column: j + 32)
        o.emit(c3, row: i, column: j + 48)
    }

    /// Rows `i..<i+rows` (1...3) times 32 columns; missing rows repeat row `i` and are dropped.
    @inline(never)
    static func stream3x32(_ o: MatmulOperands, row i: Int, rows: Int, column j: Int) {
        let a0 = o.a + i * o.lda
        let a1 = rows > 1 ? a0 + o.lda : a0
        let a2 = rows > 2 ? a0 + 2 * o.lda : a0
        var b = o.b + j
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        for p in 0..<o.k {
            let b0 = load(b), b1 = load(b + 16)
            let x0 = V(repeating: a0[p]), x1 = V(repeating: a1[p]), x2 = V(repeating: a2[p])
            c00 = c00.addingProduct(x0, b0)
            c01 = c01.addingProduct(x0, b1)
            c10 = c10.addingProduct(x1, b0)
            c11 = c11.addingProduct(x1, b1)
            c20 = c20.addingProduct(x2, b0)
            c21 = c21.addingProduct(x2, b1)
            b += o.ldb
        }
        o.emit(c00, row: i, column: j)
        o.emit(c01, row: i, column: j + 16)
        if rows > 1 {
            o.emit(c10, row: i + 1, column: j)
            o.emit(c11, row: i + 1, column: j + 16)
        }
        if rows > 2 {
            o.emit(c20, row: i + 2, column: j)
            o.emit(c21, row: i + 2, column: j + 16)
        }
    }

    /// Rows `i..<i+rows` (1...3) times the last `width` (< 32) columns of a piece; a partial
    /// width is read element by element so no load crosses the end of a row of B.
    @inline(never)
    static func stream3x16(_ o: MatmulOperands, row i: Int, rows: Int, column j: Int, width: Int) {
        let a0 = o.a + i * o.lda
        let a1 = rows > 1 ? a0 + o.lda : a0
        let a2 = rows > 2 ? a0 + 2 * o.lda : a0
        var b = o.b + j
        var c0 = V(), c1 = V(), c2 = V()
        for p in 0..<o.k {
            var bv = V()
            if width == 16 {
                bv = load(b)
            } else {
                for lane in 0..<width { bv[lane] = b[lane] }
            }
            c0 = c0.addingProduct(V(repeating: a0[p]), bv)
            c1 = c1.addingProduct(V(repeating: a1[p]), bv)
            c2 = c2.addingProduct(V(repeating: a2[p]), bv)
            b += o.ldb
        }
        o.emit(c0, row: i, column: j, width: width)
        if rows > 1 { o.emit(c1, row: i + 1, column: j, width: width) }
        if rows > 2 { o.emit(c2, row: i + 2, column: j, width: width) }
    }

    // MARK: - B stored [n, k]: dot products of rows of A with rows of B

    /// `C = A · B^T` with B `[n, k]`: every output is the dot product of a row of A and a row
    /// of B; blocks of 12 rows of B are read from memory once and reused (from cache) by each
    /// group of A rows.
    static func dotRows(_ o: MatmulOperands, pool: ThreadPool?) {
        let threads = pool?.threadCount ?? 1
        let perThread = (o.n + 8 * threads - 1) / (8 * threads)
        let piece = max(48, (perThread + 11) / 12 * 12)
        o.split(o.n, piece: piece, pool: pool) { first, end in
            var j = first
            while j < end {
                let block = min(12, end - j)
                var i = 0
                while i < o.m {
                    let rows = min(3, o.m - i)
                    switch rows {
                    case 1:
                        var jj = j
                        while jj < j + block {
                            dot1x4(o, row: i, column: jj, columns: min(4, j + block - jj))
                            jj += 4
                        }
                    case 2:
                        var jj = j
                        while jj < j + block {
                            dot2x3(o, row: i, column: jj, columns: min(3, j + block - jj))
                            jj += 3
                        }
                    default:
                        var jj = j
                        while jj < j + block {
                            dot3x2(o, row: i, column: jj, columns: min(2, j + block - jj))
                            jj += 2
                        }
                    }
                    i += rows
                }
                j += block
            }
        }
    }

    /// Row `i` of A against rows `j..<j+columns` (1...4) of B.
    @inline(never)
    static func dot1x4(_ o: MatmulOperands, row i: Int, column j: Int, columns: Int) {
        let a = o.a + i * o.lda
        let b0 = o.b + j * o.ldb
        let b1 = columns > 1 ? b0 + o.ldb : b0
        let b2 = columns > 2 ? b0 + 2 * o.ldb : b0
        let b3 = columns > 3 ? b0 + 3 * o.ldb : b0
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var p = 0
        while p + 16 <= o.k {
            let x = load(a + p)
            s0 = s0.addingProduct(x, load(b0 + p))
            s1 = s1.addingProduct(x, load(b1 + p))
            s2 = s2.addingProduct(x, load(b2 + p))
            s3 = s3.addingProduct(x, load(b3 + p))
            p += 16
        }
        var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum(), t3 = s3.sum()
        while p < o.k {
            let x = a[p]
            t0 += x * b0[p]
            t1 += x * b1[p]
            t2 += x * b2[p]
            t3 += x * b3[p]
            p += 1
        }
        o.emit(t0, row: i, column: j)
        if columns > 1 { o.emit(t1, row: i, column: j + 1) }
        if columns > 2 { o.emit(t2, row: i, column: j + 2) }
        if columns > 3 { o.emit(t3, row: i, column: j + 3) }
    }

    /// Rows `i, i+1` of A against rows `j..<j+columns` (1...3) of B.
    @inline(never)
    static func dot2x3(_ o: MatmulOperands, row i: Int, column j: Int, columns: Int) {
        let a0 = o.a + i * o.lda, a1 = a0 + o.lda
        let b0 = o.b + j * o.ldb
        let b1 = columns > 1 ? b0 + o.ldb : b0
        let b2 = columns > 2 ? b0 + 2 * o.ldb : b0
        var s00 = V(), s01 = V(), s02 = V(), s10 = V(), s11 = V(), s12 = V()
        var p = 0
        while p + 16 <= o.k {
            let x0 = load(a0 + p), x1 = load(a1 + p)
            let y0 = load(b0 + p), y1 = load(b1 + p), y2 = load(b2 + p)
            s00 = s00.addingProduct(x0, y0)
            s01 = s01.addingProduct(x0, y1)
            s02 = s02.addingProduct(x0, y2)
            s10 = s10.addingProduct(x1, y0)
            s11 = s11.addingProduct(x1, y1)
            s12 = s12.addingProduct(x1, y2)
            p += 16
        }
        var t00 = s00.sum(), t01 = s01.sum(), t02 = s02.sum()
        var t10 = s10.sum(), t11 = s11.sum(), t12 = s12.sum()
        while p < o.k {
            t00 += a0[p] * b0[p]
            t01 += a0[p] * b1[p]
            t02 += a0[p] * b2[p]
            t10 += a1[p] * b0[p]
            t11 += a1[p] * b1[p]
            t12 += a1[p] * b2[p]
            p += 1
        }
        o.emit(t00, row: i, column: j)
        o.emit(t10, row: i + 1, column: j)
        if columns > 1 {
            o.emit(t01, row: i, column: j + 1)
            o.emit(t11, row: i + 1, column: j + 1)
        }
        if columns > 2 {
            o.emit(t02, row: i, column: j + 2)
            o.emit(t12, row: i + 1, column: j + 2)
        }
    }

    /// Rows `i..<i+3` of A against rows `j..<j+columns` (1...2) of B.
    @inline(never)
    static func dot3x2(_ o: MatmulOperands, row i: Int, column j: Int, columns: Int) {
        let a0 = o.a + i * o.lda, a1 = a0 + o.lda, a2 = a1 + o.lda
        let b0 = o.b + j * o.ldb
        let b1 = columns > 1 ? b0 + o.ldb : b0
        var s00 = V(), s01 = V(), s10 = V(), s11 = V(), s20 = V(), s21 = V()
        var p = 0
        while p + 16 <= o.k {
            let y0 = load(b0 + p), y1 = load(b1 + p)
            let x0 = load(a0 + p), x1 = load(a1 + p), x2 = load(a2 + p)
            s00 = s00.addingProduct(x0, y0)
            s01 = s01.addingProduct(x0, y1)
            s10 = s10.addingProduct(x1, y0)
            s11 = s11.addingProduct(x1, y1)
            s20 = s20.addingProduct(x2, y0)
            s21 = s21.addingProduct(x2, y1)
            p += 16
        }
        var t00 = s00.sum(), t01 = s01.sum(), t10 = s10.sum()
        var t11 = s11.sum(), t20 = s20.sum(), t21 = s21.sum()
        while p < o.k {
            t00 += a0[p] * b0[p]
            t01 += a0[p] * b1[p]
            t10 += a1[p] * b0[p]
            t11 += a1[p] * b1[p]
            t20 += a2[p] * b0[p]
            t21 += a2[p] * b1[p]
            p += 1
        }
        o.emit(t00, row: i, column: j)
        o.emit(t10, row: i + 1, column: j)
        o.emit(t20, row: i + 2, column: j)
        if columns > 1 {
            o.emit(t01, row: i, column: j + 1)
            o.emit(t11, row: i + 1, column: j + 1)
            o.emit(t21, row: i + 2, column: j + 1)
        }
    }
}
