/// Matrix products with few rows in A (decode: one to a few tokens). They are bound by the
/// bandwidth of reading the weight, so every kernel reads each weight element once per call,
/// in memory order, and keeps its partial sums in registers or L1.
enum GEMV {
    typealias V = SIMD16<Float>

    // MARK: - B stored [k, n]: stream the rows of B in order

    /// `C = A · B` with B `[k, n]`, read strictly in memory order: the hardware prefetcher
    /// streams long contiguous runs far better than column chunks (which touch a new page every
    /// row). Work items are blocks of rows of B (the depth), each summing into its own buffer;
    /// the buffers are added to C (with the bias) at the end.
    static func streamRows(_ o: MatmulOperands, pool: ThreadPool?) {
        let threads = pool?.threadCount ?? 1
        // Enough rows per item that each streams at least ~256 KB.
        let minimumRows = max(8, (1 << 16) / max(1, o.n))
        // One contiguous block of rows per thread streams best (measured against 2 and 4 per
        // thread); a worker that is late to wake simply leaves its block to the caller.
        let items = max(1, min(threads, o.k / minimumRows))
        let rowsPerItem = (o.k + items - 1) / items
        // Every item sums into its own buffer, placed 2 KiB away (mod 4 KiB) from its rows of B:
        // when B's row stride is a multiple of 4 KiB (n = 3072) and the sums sit at the same
        // offset, each load of B falsely aliases the store just made to the sums.
        let slot = o.m * o.n + 1024
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: items * slot + 16)
        defer { buffer.deallocate() }
        let sums = { (item: Int) -> UnsafeMutablePointer<Float> in
            let base = buffer + item * slot
            let rows = UInt(bitPattern: o.b + item * rowsPerItem * o.ldb)
            return base + Int(bitPattern: (rows &+ 2048 &- UInt(bitPattern: base)) & 4095) / 4
        }
        let run = { (item: Int) in
            let first = item * rowsPerItem, end = min(o.k, first + rowsPerItem)
            let target = sums(item)
            target.initialize(repeating: 0, count: o.m * o.n)
            if first < end { accumulateRows(o, first: first, end: end, columns: 0..<o.n, into: target, ldc: o.n) }
        }
        if let pool, items > 1 { pool.parallelFor(items, run) } else { run(0) }
        // C = bias (or C += bias) + the sums, split over column blocks.
        let columnBlock = 512
        let blocks = (o.n + columnBlock - 1) / columnBlock
        let reduce = { (block: Int) in
            let first = block * columnBlock, end = min(o.n, first + columnBlock)
            initialize(o, first: first, end: end)
            for i in 0..<o.m {
                let target = o.c + i * o.ldc + first
                for item in 0..<items {
                    add(sums(item) + i * o.n + first, into: target, count: end - first)
                }
            }
        }
        // Small sums (decode) are quicker on the caller than a second round trip to the workers.
        if let pool, blocks > 1, o.m * o.n * items > 1 << 16 {
            pool.parallelFor(blocks, reduce)
        } else {
            for b in 0..<blocks { reduce(b) }
        }
    }

    /// C = bias (or C += bias when accumulating) in columns `first..<end`, before the
    /// products are added.
    static func initialize(_ o: MatmulOperands, first: Int = 0, end: Int? = nil) {
        let end = end ?? o.n
        for i in 0..<o.m {
            let row = o.c + i * o.ldc + first
            if !o.accumulate {
                if let bias = o.bias { row.update(from: bias + first, count: end - first) } else { row.update(repeating: 0, count: end - first) }
            } else if let bias = o.bias {
                add(bias + first, into: row, count: end - first)
            }
        }
    }

    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            UnsafeMutableRawPointer(y + j).storeBytes(of: loadV(y + j) + loadV(x + j), as: V.self)
            j += 16
        }
        while j < count {
            y[j] += x[j]
            j += 1
        }
    }

    /// `target[i, :] += sum_{p in first..<end} a[i, p] * B[p, :]` for every row i of A, one
    /// row of B at a time (a single sequential stream, which measured faster than
    /// interleaving four rows), 64 columns per step.
    @inline(never)
    static func accumulateRows(_ o: MatmulOperands, first: Int, end: Int, columns: Range<Int>,
                               into target: UnsafeMutablePointer<Float>, ldc: Int) {
        let n = columns.upperBound, m = o.m
        for p in first..<end {
            let row = o.b + p * o.ldb
            var j = columns.lowerBound
            while j + 64 <= n {
                let b0 = loadV(row + j), b1 = loadV(row + j + 16), b2 = loadV(row + j + 32), b3 = loadV(row + j + 48)
                for i in 0..<m {
                    let x = V(repeating: o.a[i * o.lda + p])
                    let c = target + i * ldc + j
                    storeV(loadV(c).addingProduct(x, b0), c)
                    storeV(loadV(c + 16).addingProduct(x, b1), c + 16)
                    storeV(loadV(c + 32).addingProduct(x, b2), c + 32)
                    storeV(loadV(c + 48).addingProduct(x, b3), c + 48)
                }
                j += 64
            }
            while j + 16 <= n {
                let b0 = loadV(row + j)
                for i in 0..<m {
                    let c = target + i * ldc + j
                    storeV(loadV(c).addingProduct(V(repeating: o.a[i * o.lda + p]), b0), c)
                }
                j += 16
            }
            while j < n {
                for i in 0..<m { target[i * ldc + j] += o.a[i * o.lda + p] * row[j] }
                j += 1
            }
        }
    }



    // MARK: - B stored [n, k]: dot products of rows of A with rows of B

    /// `C = A · B^T` with B `[n, k]`: every output is the dot product of a row of A and a row
    /// of B. Each thread walks its rows of B one at a time, in memory order (a single stream
    /// reads about twice as fast as several interleaved ones), and reuses each row (from L1)
    /// for every row of A.
    static func dotRows(_ o: MatmulOperands, pool: ThreadPool?) {
        let threads = pool?.threadCount ?? 1
        let piece = max(64, (o.n + 8 * threads - 1) / (8 * threads))
        o.split(o.n, piece: piece, pool: pool) { first, end in
            for j in first..<end {
                let row = o.b + j * o.ldb
                var i = 0
                while i + 2 <= o.m {
                    let (t0, t1) = dot2(o.a + i * o.lda, o.a + (i + 1) * o.lda, row, o.k)
                    o.emit(t0, row: i, column: j)
                    o.emit(t1, row: i + 1, column: j)
                    i += 2
                }
                if i < o.m {
                    o.emit(dot1(o.a + i * o.lda, row, o.k), row: i, column: j)
                }
            }
        }
    }

    /// Dot product of `x` and `y`, `count` floats, four independent accumulators.
    @inline(__always)
    static func dot1(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var p = 0
        while p + 64 <= count {
            s0 = s0.addingProduct(loadV(x + p), loadV(y + p))
            s1 = s1.addingProduct(loadV(x + p + 16), loadV(y + p + 16))
            s2 = s2.addingProduct(loadV(x + p + 32), loadV(y + p + 32))
            s3 = s3.addingProduct(loadV(x + p + 48), loadV(y + p + 48))
            p += 64
        }
        while p + 16 <= count {
            s0 = s0.addingProduct(loadV(x + p), loadV(y + p))
            p += 16
        }
        var total = ((s0 + s1) + (s2 + s3)).sum()
        while p < count {
            total += x[p] * y[p]
            p += 1
        }
        return total
    }

    /// Dot products of `x0` and `x1` with `y`, reading `y` once.
    @inline(__always)
    static func dot2(_ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int)
        -> (Float, Float) {
        var s00 = V(), s01 = V(), s10 = V(), s11 = V()
        var p = 0
        while p + 32 <= count {
            let y0 = loadV(y + p), y1 = loadV(y + p + 16)
            s00 = s00.addingProduct(loadV(x0 + p), y0)
            s01 = s01.addingProduct(loadV(x0 + p + 16), y1)
            s10 = s10.addingProduct(loadV(x1 + p), y0)
            s11 = s11.addingProduct(loadV(x1 + p + 16), y1)
            p += 32
        }
        while p + 16 <= count {
            let y0 = loadV(y + p)
            s00 = s00.addingProduct(loadV(x0 + p), y0)
            s10 = s10.addingProduct(loadV(x1 + p), y0)
            p += 16
        }
        var t0 = (s00 + s01).sum(), t1 = (s10 + s11).sum()
        while p < count {
            t0 += x0[p] * y[p]
            t1 += x1[p] * y[p]
            p += 1
        }
        return (t0, t1)
    }
}
