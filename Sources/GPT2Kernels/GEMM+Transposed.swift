extension GEMM {
    typealias V8 = SIMD8<Float>

    /// Rows of B per work item of the transposed path: 96 rows of GPT-2's 768 are 288 KiB,
    /// read in one sequential pass into L2 before the tiles use them.
    static let transposedRowBlock = 96

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }

    /// `C = A · B^T` with B `[n, k]` (the tied lm_head), computed as `C^T = B · A^T`: rows of
    /// the large weight are the broadcast operand, read in place, and only the small A is
    /// packed, transposed into panels of 16 tokens (`[k][16]`), or of 8 when m <= 8 so that
    /// few-token batches waste no lanes. Work items are blocks of rows of B, each first read
    /// once in memory order so the tiles find it in cache.
    static func transposedB(_ o: MatmulOperands, pool: ThreadPool?) {
        let lanes = o.m <= 8 ? 8 : 16
        let panels = (o.m + lanes - 1) / lanes
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: panels * o.k * lanes)
        defer { packed.deallocate() }
        let packOne = { (panel: Int) in
            let dst = packed + panel * o.k * lanes
            let tokens = min(lanes, o.m - panel * lanes)
            for p in 0..<o.k {
                for lane in 0..<lanes {
                    dst[p * lanes + lane] = lane < tokens ? o.a[(panel * lanes + lane) * o.lda + p] : 0
                }
            }
        }
        if let pool, panels > 1 { pool.parallelFor(panels, packOne) } else { for p in 0..<panels { packOne(p) } }

        let threads = pool?.threadCount ?? 1
        let sinks = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sinks.deallocate() }
        let rowsPerTile = lanes == 8 ? 12 : 6
        let block = transposedRowBlock
        let blocks = (o.n + block - 1) / block
        let run = { (item: Int, thread: Int) in
            let first = item * block, end = min(o.n, first + block)
            sinks[thread] = touch(o.b + first * o.ldb, rows: end - first, columns: o.k, ld: o.ldb)
            var pc = 0
            while pc < o.k {
                let kc = min(o.k <= 1024 ? o.k : depthBlock, o.k - pc)
                var j = first
                while j < end {
                    let rows = min(rowsPerTile, end - j)
                    for panel in 0..<panels {
                        let panelData = packed + panel * o.k * lanes + pc * lanes
                        if lanes == 8 {
                            transposedTile8(o, weightRow: j, rows: rows, depth: pc, kc: kc, firstToken: panel * 8, packed: panelData)
                        } else {
                            transposedTile16(o, weightRow: j, rows: rows, depth: pc, kc: kc, firstToken: panel * 16, packed: panelData)
                        }
                    }
                    j += rows
                }
                pc += kc
            }
        }
        // Items are contiguous runs of blocks (a few per thread, for balance), so each thread
        // streams long regions of B.
        let items = min(blocks, 4 * threads)
        let runRange = { (item: Int, thread: Int) in
            for block in (item * blocks / items)..<((item + 1) * blocks / items) { run(block, thread) }
        }
        if let pool, items > 1 {
            pool.parallelFor(items, withThreadIndex: runRange)
        } else {
            for block in 0..<blocks { run(block, 0) }
        }
    }

    /// Six rows of B (from `weightRow`) against a 16-token panel of A^T.
    @inline(never)
    static func transposedTile16(_ o: MatmulOperands, weightRow j: Int, rows: Int, depth: Int, kc: Int,
                                 firstToken: Int, packed: UnsafePointer<Float>) {
        let t = tileStrided(TileRows6.self, o.b + j * o.ldb + depth, o.ldb, rows: rows, packed, 16, width: 16, kc)
        let tokens = min(16, o.m - firstToken)
        let first = depth == 0
        transposedEmit(o, t.0, column: j, tokens: tokens, firstRow: firstToken, first: first)
        if rows > 1 { transposedEmit(o, t.1, column: j + 1, tokens: tokens, firstRow: firstToken, first: first) }
        if rows > 2 { transposedEmit(o, t.2, column: j + 2, tokens: tokens, firstRow: firstToken, first: first) }
        if rows > 3 { transposedEmit(o, t.3, column: j + 3, tokens: tokens, firstRow: firstToken, first: first) }
        if rows > 4 { transposedEmit(o, t.4, column: j + 4, tokens: tokens, firstRow: firstToken, first: first) }
        if rows > 5 { transposedEmit(o, t.5, column: j + 5, tokens: tokens, firstRow: firstToken, first: first) }
    }

    /// Twelve rows of B (from `weightRow`; rows past `rows` repeat the first) against an
    /// 8-token panel of A^T: 12 ymm accumulators.
    @inline(never)
    static func transposedTile8(_ o: MatmulOperands, weightRow j: Int, rows: Int, depth: Int, kc: Int,
                                firstToken: Int, packed: UnsafePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 96) { buffer in
            let values = buffer.baseAddress!
            broadcastTile8(TileRows12.self, o.b + j * o.ldb + depth, o.ldb, rows: rows, packed, kc, into: values)
            let tokens = min(8, o.m - firstToken)
            let first = depth == 0
            for r in 0..<rows {
                for lane in 0..<tokens {
                    let value = values[r * 8 + lane]
                    if first {
                        o.emit(value, row: firstToken + lane, column: j + r)
                    } else {
                        o.c[(firstToken + lane) * o.ldc + j + r] += value
                    }
                }
            }
        }
    }

    /// Lane `t` of `sum` is C[firstRow + t, column].
    @inline(__always)
    static func transposedEmit(_ o: MatmulOperands, _ sum: V, column j: Int, tokens: Int, firstRow: Int, first: Bool) {
        if first {
            for lane in 0..<tokens { o.emit(sum[lane], row: firstRow + lane, column: j) }
        } else {
            for lane in 0..<tokens { o.c[(firstRow + lane) * o.ldc + j] += sum[lane] }
        }
    }
}
