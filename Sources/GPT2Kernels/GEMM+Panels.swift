import CGPT2Kernels

/// Products with an fp32 weight in the `inputPanels` layout (`[n / 16][k][16]`): every 16
/// output columns are one contiguous panel of `k` rows.
///
/// - Few rows of A (decode): each thread streams its own contiguous run of panels once, in
///   memory order (the prefetchers' best case, well ahead of interleaved streams), keeping the
///   16 sums of each row in registers, so no partial results go through memory. On AVX2 CPUs
///   `panels.c`'s C kernel does this and also prefetches ahead, which measured faster than
///   this file's Swift loop (see `LinearRoute`).
/// - More rows (prompts, batches): register tiles read the panels as they are, never packing
///   the weight: the AVX-512 C tiles of `panels.c` (6 rows x 64 columns), elsewhere GEMM's
///   16-column tiles of 6 rows (4 or 5 for the last ones) over A packed once per call (`m * k`
///   floats), a depth block at a time.
enum PanelGEMM {
    typealias V = SIMD16<Float>

    /// Panels per work item for the C kernels (fp32 tiles, 16-bit panels): up to
    /// `LinearRoute.panelStreamMaxRowsBeforeCTiles` rows, one contiguous run per thread (a single stream each);
    /// beyond, blocks of 4 panels (the tile's width), about four items per thread.
    static func panelPiece(panels: Int, rows: Int, threads: Int) -> Int {
        if rows <= LinearRoute.panelStreamMaxRowsBeforeCTiles { return max(1, (panels + threads - 1) / threads) }
        return max(4, ((panels + 4 * threads - 1) / (4 * threads) + 3) / 4 * 4)
    }

    // MARK: - Few rows: stream the panels

    static func stream(_ o: MatmulOperands, pool: ThreadPool?) {
        let panels = o.n / 16
        let threads = min(pool?.threadCount ?? 1, panels)
        // One contiguous run of panels per thread: a single stream each.
        let perThread = (panels + threads - 1) / threads
        let body = { (t: Int) in
            let first = t * perThread, end = min(panels, first + perThread)
            var j = first
            while j < end {
                let panel = o.b + j * o.k * 16
                // Rows in groups of four: the first group streams the panel from memory, the
                // others find it in L2.
                var i = 0
                while i < o.m {
                    let x = o.a + i * o.lda
                    switch o.m - i {
                    case 1:
                        o.emit(dotPanel(x, panel, o.k), row: i, column: j * 16)
                        i += 1
                    case 2:
                        let (s0, s1) = dotPanel2(x, x + o.lda, panel, o.k)
                        o.emit(s0, row: i, column: j * 16)
                        o.emit(s1, row: i + 1, column: j * 16)
                        i += 2
                    default:
                        let three = o.m - i == 3
                        let (s0, s1, s2, s3, _, _) = GEMM.tileStrided(TileRows4.self, x, o.lda, rows: three ? 3 : 4,
                                                                      panel, 16, width: 16, o.k)
                        o.emit(s0, row: i, column: j * 16)
                        o.emit(s1, row: i + 1, column: j * 16)
                        o.emit(s2, row: i + 2, column: j * 16)
                        if !three { o.emit(s3, row: i + 3, column: j * 16) }
                        i += three ? 3 : 4
                    }
                }
                j += 1
            }
        }
        if let pool, threads > 1 { pool.parallelFor(threads, body) } else { body(0) }
    }

    /// `sum_p x[p] * panel[p, 0..<16]`, four independent accumulators.
    @inline(__always)
    static func dotPanel(_ x: UnsafePointer<Float>, _ panel: UnsafePointer<Float>, _ k: Int) -> V {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var b = panel, p = 0
        while p + 4 <= k {
            s0 = s0.addingProduct(V(repeating: x[p]), loadV(b))
            s1 = s1.addingProduct(V(repeating: x[p + 1]), loadV(b + 16))
            s2 = s2.addingProduct(V(repeating: x[p + 2]), loadV(b + 32))
            s3 = s3.addingProduct(V(repeating: x[p + 3]), loadV(b + 48))
            b += 64
            p += 4
        }
        while p < k {
            s0 = s0.addingProduct(V(repeating: x[p]), loadV(b))
            b += 16
            p += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// `dotPanel` for two rows of A, reading the panel once.
    @inline(__always)
    static func dotPanel2(_ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ panel: UnsafePointer<Float>,
                          _ k: Int) -> (V, V) {
        var s00 = V(), s01 = V(), s10 = V(), s11 = V()
        var b = panel, p = 0
        while p + 2 <= k {
            let b0 = loadV(b), b1 = loadV(b + 16)
            s00 = s00.addingProduct(V(repeating: x0[p]), b0)
            s01 = s01.addingProduct(V(repeating: x0[p + 1]), b1)
            s10 = s10.addingProduct(V(repeating: x1[p]), b0)
            s11 = s11.addingProduct(V(repeating: x1[p + 1]), b1)
            b += 32
            p += 2
        }
        if p < k {
            let b0 = loadV(b)
            s00 = s00.addingProduct(V(repeating: x0[p]), b0)
            s10 = s10.addingProduct(V(repeating: x1[p]), b0)
        }
        return (s00 + s01, s10 + s11)
    }

    // MARK: - Many rows: register tiles over the panels

    /// A packed by row tiles (`[k][6]` each, as `GEMM.plain` does); then each work item, a
    /// contiguous run of weight panels, takes panel after panel (one ascending stream through
    /// the weight) and, a depth block at a time, runs every row tile over the block while it
    /// is in L1.
    static func tiled(_ o: MatmulOperands, pool: ThreadPool?) {
        let tiles = GEMM.rowTiles(o.m)
        let packedA = GEMM.packRowPanels(o, tiles: tiles, pool: pool)
        defer { packedA.deallocate() }
        let panels = o.n / 16
        let threads = pool?.threadCount ?? 1
        // About sixteen items per thread (a few panels each), so a thread that
        // starts late or runs slower costs the others little idle time at the end.
        let piece = max(1, (panels + 16 * threads - 1) / (16 * threads))
        o.split(panels, piece: piece, pool: pool) { first, end in
            for j in first..<end {
                var pc = 0
                while pc < o.k {
                    let kc = min(GEMM.depthBlock, o.k - pc)
                    let panel = o.b + (j * o.k + pc) * 16
                    for (t, tile) in tiles.enumerated() {
                        GEMM.plainTile(o, row: tile.row, rows: tile.rows, column: j * 16, width: 16, depth: pc, kc: kc,
                                       packedA: packedA + (t * o.k + pc) * 6, panel: panel)
                    }
                    pc += kc
                }
            }
        }
    }
}

