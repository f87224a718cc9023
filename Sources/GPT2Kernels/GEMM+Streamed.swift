extension GEMM {
    /// Rows of B per block of the streamed path: about 384 KiB, so the block stays in L2 (1 MiB
    /// per core on Zen 4) next to the partial sums while every row tile of A reads it.
    static func depthBlockStreamed(n: Int) -> Int {
        min(128, max(8, (96 * 1024 / max(1, n)) / 8 * 8))
    }

    /// `C = A · B` with B `[k, n]` for a few rows of A (batched decode, m = 3...24): the product
    /// is still bound by reading B, so B is read strictly in memory order, a block of whole rows
    /// at a time (each thread takes one contiguous run of blocks), copied to a padded buffer in
    /// L2, and multiplied there by 6x16 / 4x16 register tiles. The first item accumulates into
    /// C, the others into their own partial sums, added to C at the end in item order: the same
    /// bits whichever thread runs which item.
    static func streamed(_ o: MatmulOperands, pool: ThreadPool?) {
        let kc = depthBlockStreamed(n: o.n)
        let threads = pool?.threadCount ?? 1
        let panels = (o.n + 15) / 16
        let blocks = (o.k + kc - 1) / kc
        let partials = threads > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: (threads - 1) * o.m * o.n) : nil
        let used = UnsafeMutablePointer<Bool>.allocate(capacity: threads)
        used.initialize(repeating: false, count: threads)
        // Each thread copies its block of B here, rows padded by 16 floats: B's own row stride
        // can be a multiple of 4 KiB (n = 3072), which maps every row of a column panel to the
        // same L1 set.
        let ldp = o.n + 16
        let copies = UnsafeMutablePointer<Float>.allocate(capacity: threads * kc * ldp)
        defer {
            partials?.deallocate()
            used.deallocate()
            copies.deallocate()
        }
        GEMV.initialize(o)
        // Sums go by item, not by thread (item 0 into C, item t into partial buffer t - 1, added
        // in item order), so the result does not depend on which thread ran which item.
        let run = { (block: Int, thread: Int, item: Int) in
            let depth = block * kc
            let depthCount = min(kc, o.k - depth)
            // One sequential pass over the block; the tiles then read the copy column-wise.
            let block = copies + thread * kc * ldp
            copyRows(o.b + depth * o.ldb, o.ldb, rows: depthCount, columns: o.n, into: block, ldp)
            var target = o.c, ldt = o.ldc
            if item > 0, let partials {
                target = partials + (item - 1) * o.m * o.n
                ldt = o.n
                if !used[item] {
                    target.initialize(repeating: 0, count: o.m * o.n)
                    used[item] = true
                }
            }
            for panel in 0..<panels {
                let column = panel * 16
                let width = min(16, o.n - column)
                let b = UnsafePointer(block + column)
                var i = 0
                while i < o.m {
                    let remaining = o.m - i
                    let rows = remaining <= 4 || (remaining > 6 && remaining <= 8) ? min(4, remaining) : min(6, remaining)
                    let a = o.a + i * o.lda + depth
                    let out = target + i * ldt + column
                    if rows <= 4 {
                        let t = tileStrided(TileRows4.self, a, o.lda, rows: rows, b, ldp, width: width, depthCount)
                        addRow(t.0, out, width)
                        if rows > 1 { addRow(t.1, out + ldt, width) }
                        if rows > 2 { addRow(t.2, out + 2 * ldt, width) }
                        if rows > 3 { addRow(t.3, out + 3 * ldt, width) }
                    } else {
                        let t = tileStrided(TileRows6.self, a, o.lda, rows: rows, b, ldp, width: width, depthCount)
                        addRow(t.0, out, width)
                        addRow(t.1, out + ldt, width)
                        addRow(t.2, out + 2 * ldt, width)
                        addRow(t.3, out + 3 * ldt, width)
                        addRow(t.4, out + 4 * ldt, width)
                        if rows > 5 { addRow(t.5, out + 5 * ldt, width) }
                    }
                    i += rows
                }
            }
        }
        // Each item is a contiguous run of blocks, so each thread streams one region of B.
        let items = min(blocks, threads)
        let runRange = { (item: Int, thread: Int) in
            for block in (item * blocks / items)..<((item + 1) * blocks / items) { run(block, thread, item) }
        }
        if let pool, items > 1 {
            pool.parallelFor(items, withThreadIndex: runRange)
        } else {
            for item in 0..<items { runRange(item, 0) }
        }
        guard let partials else { return }
        for item in 1..<max(1, items) where used[item] {
            let source = partials + (item - 1) * o.m * o.n
            for i in 0..<o.m {
                GEMV.add(source + i * o.n, into: o.c + i * o.ldc, count: o.n)
            }
        }
    }

    /// `out[0..<width] += sum[0..<width]`.
    @inline(__always)
    static func addRow(_ sum: V, _ out: UnsafeMutablePointer<Float>, _ width: Int) {
        if width == 16 {
            storeV(loadV(out) + sum, out)
        } else {
            for lane in 0..<width { out[lane] += sum[lane] }
        }
    }

    /// Copies `rows` rows of `columns` floats (source stride `ld`) to `target` (stride `ldt`),
    /// reading in memory order.
    static func copyRows(_ source: UnsafePointer<Float>, _ ld: Int, rows: Int, columns: Int,
                         into target: UnsafeMutablePointer<Float>, _ ldt: Int) {
        for r in 0..<rows {
            let from = source + r * ld, to = target + r * ldt
            var j = 0
            while j + 64 <= columns {
                storeV(loadV(from + j), to + j)
                storeV(loadV(from + j + 16), to + j + 16)
                storeV(loadV(from + j + 32), to + j + 32)
                storeV(loadV(from + j + 48), to + j + 48)
                j += 64
            }
            while j < columns {
                to[j] = from[j]
                j += 1
            }
        }
    }

    /// Reads `rows` rows of `columns` floats in memory order (whole vectors: measured faster
    /// here than one load per cache line) so the block is in cache before it is read
    /// column-wise; returns their sum, a data dependency the optimizer must keep.
    @inline(never)
    static func touch(_ p: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int) -> Float {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        for r in 0..<rows {
            let row = p + r * ld
            var j = 0
            while j + 64 <= columns {
                s0 += loadV(row + j)
                s1 += loadV(row + j + 16)
                s2 += loadV(row + j + 32)
                s3 += loadV(row + j + 48)
                j += 64
            }
            while j + 16 <= columns {
                s0 += loadV(row + j)
                j += 16
            }
            s1[0] += row[columns - 1]
        }
        return ((s0 + s1) + (s2 + s3)).sum()
    }
}
