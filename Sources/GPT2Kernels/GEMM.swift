/// Matrix products with many rows in A (prompt processing, batches): compute-bound, so they
/// run a 6x16 register-blocked micro-kernel (12 ymm accumulators on AVX2) over a packed
/// operand that is read contiguously, with the depth cut into cache-sized blocks.
enum GEMM {
    typealias V = SIMD16<Float>

    /// Depth of one block: a packed 16-column panel (`kc * 64` bytes) stays in L1.
    static let depthBlock = 256
    /// Columns of C per work item (packed block `depthBlock * columnBlock` floats, 128 KiB).
    static let columnBlock = 128

    // MARK: - B stored [k, n]

    /// `C = A · B` with B `[k, n]`: A is first packed into 6-row panels (`[k][6]`, so a tile's
    /// broadcasts come from one cache line instead of six rows that may alias in L1). Work items
    /// are blocks of 128 columns; each packs its columns of B one depth block at a time into
    /// 16-wide panels, then runs the tile over all row panels of A.
    static func plain(_ o: MatmulOperands, pool: ThreadPool?) {
        let rowPanels = (o.m + 5) / 6
        let packedA = packRowPanels(o, pool: pool)
        defer { packedA.deallocate() }
        o.split(o.n, piece: columnBlock, pool: pool) { first, end in
            let packed = UnsafeMutablePointer<Float>.allocate(capacity: depthBlock * columnBlock)
            defer { packed.deallocate() }
            var jc = first
            while jc < end {
                let nc = min(columnBlock, end - jc)
                var pc = 0
                while pc < o.k {
                    let kc = min(depthBlock, o.k - pc)
                    packColumns(o, depth: pc, kc: kc, column: jc, width: nc, into: packed)
                    var jp = 0
                    while jp < nc {
                        let panel = packed + (jp / 16) * kc * 16
                        for rowPanel in 0..<rowPanels {
                            plainTile(o, row: rowPanel * 6, column: jc + jp, width: min(16, nc - jp), depth: pc, kc: kc,
                                      packedA: packedA + rowPanel * o.k * 6 + pc * 6, panel: panel)
                        }
                        jp += 16
                    }
                    pc += kc
                }
                jc += nc
            }
        }
    }

    /// A packed into `(m + 5) / 6` panels of 6 rows, each `[k][6]` (rows past m repeat the last
    /// one), so a tile's six broadcasts come from one cache line; the caller deallocates it.
    static func packRowPanels(_ o: MatmulOperands, pool: ThreadPool?) -> UnsafeMutablePointer<Float> {
        let rowPanels = (o.m + 5) / 6
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: rowPanels * o.k * 6)
        let packRowPanel = { (panel: Int) in
            let dst = packedA + panel * o.k * 6
            let rows = min(6, o.m - panel * 6)
            for r in 0..<6 {
                let src = o.a + (panel * 6 + min(r, rows - 1)) * o.lda
                for p in 0..<o.k { dst[p * 6 + r] = src[p] }
            }
        }
        if let pool, rowPanels > 1 { pool.parallelFor(rowPanels, packRowPanel) } else { for r in 0..<rowPanels { packRowPanel(r) } }
        return packedA
    }

    /// Copies `B[depth..<depth+kc, column..<column+width]` into panels `[width/16][kc][16]`,
    /// zero-filling the columns past `width`.
    static func packColumns(_ o: MatmulOperands, depth: Int, kc: Int, column: Int, width: Int,
                            into packed: UnsafeMutablePointer<Float>) {
        var jp = 0
        while jp < width {
            let panel = packed + (jp / 16) * kc * 16
            let w = min(16, width - jp)
            var src = o.b + depth * o.ldb + column + jp
            if w == 16 {
                for p in 0..<kc {
                    storeV(loadV(src), panel + p * 16)
                    src += o.ldb
                }
            } else {
                for p in 0..<kc {
                    var v = V()
                    for lane in 0..<w { v[lane] = src[lane] }
                    storeV(v, panel + p * 16)
                    src += o.ldb
                }
            }
            jp += 16
        }
    }

    @inline(never)
    static func plainTile(_ o: MatmulOperands, row i: Int, column j: Int, width: Int, depth: Int, kc: Int,
                          packedA: UnsafePointer<Float>, panel: UnsafePointer<Float>) {
        let rows = min(6, o.m - i)
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var a = packedA, b = panel
        for _ in 0..<kc {
            let bv = loadV(b)
            c0 = c0.addingProduct(V(repeating: a[0]), bv)
            c1 = c1.addingProduct(V(repeating: a[1]), bv)
            c2 = c2.addingProduct(V(repeating: a[2]), bv)
            c3 = c3.addingProduct(V(repeating: a[3]), bv)
            c4 = c4.addingProduct(V(repeating: a[4]), bv)
            c5 = c5.addingProduct(V(repeating: a[5]), bv)
            a += 6
            b += 16
        }
        let first = depth == 0
        plainEmit(o, c0, row: i, column: j, width: width, first: first)
        if rows > 1 { plainEmit(o, c1, row: i + 1, column: j, width: width, first: first) }
        if rows > 2 { plainEmit(o, c2, row: i + 2, column: j, width: width, first: first) }
        if rows > 3 { plainEmit(o, c3, row: i + 3, column: j, width: width, first: first) }
        if rows > 4 { plainEmit(o, c4, row: i + 4, column: j, width: width, first: first) }
        if rows > 5 { plainEmit(o, c5, row: i + 5, column: j, width: width, first: first) }
    }

    /// The first depth block writes (or accumulates, with the bias); later blocks add.
    @inline(__always)
    static func plainEmit(_ o: MatmulOperands, _ sum: V, row i: Int, column j: Int, width: Int, first: Bool) {
        if first {
            o.emit(sum, row: i, column: j, width: width)
            return
        }
        let target = o.c + i * o.ldc + j
        if width == 16 {
            storeV(loadV(target) + sum, target)
        } else {
            for lane in 0..<width { target[lane] += sum[lane] }
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
