/// Matrix products with many rows in A (prompt processing, batches): compute-bound, so they
/// run a 6x16 register-blocked micro-kernel (12 ymm accumulators on AVX2; 4x16 or 5x16 for the
/// last rows) over a packed operand that is read contiguously, with the depth cut into
/// cache-sized blocks.
enum GEMM {
    typealias V = SIMD16<Float>

    /// Depth of one block: a packed 16-column panel (`kc * 64` bytes) stays in L1.
    static let depthBlock = 256
    /// Columns of C per work item (packed block `depthBlock * columnBlock` floats, 128 KiB).
    static let columnBlock = 128

    // MARK: - B stored [k, n]

    /// `C = A · B` with B `[k, n]`: A is first packed into row panels of up to 6 rows
    /// (`[k][6]`, so a tile's broadcasts come from one cache line instead of six rows that may
    /// alias in L1). Work items are blocks of 128 columns; each packs its columns of B one depth
    /// block at a time into 16-wide panels, then runs the tiles over all row panels of A.
    static func plain(_ o: MatmulOperands, pool: ThreadPool?) {
        let tiles = rowTiles(o.m)
        let packedA = packRowPanels(o, tiles: tiles, pool: pool)
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
                        for (t, tile) in tiles.enumerated() {
                            plainTile(o, row: tile.row, rows: tile.rows, column: jc + jp, width: min(16, nc - jp), depth: pc,
                                      kc: kc, packedA: packedA + (t * o.k + pc) * 6, panel: panel)
                        }
                        jp += 16
                    }
                    pc += kc
                }
                jc += nc
            }
        }
    }

    /// The row tiles that cover `m` rows: 6-row tiles, the remainder as tiles of 4 or 5 rows
    /// (as fast per row as 6 on AVX2: 8 or 10 ymm accumulators still keep both FMA pipes
    /// busy), so no tile computes rows past `m` (e.g. 128 = 20 x 6 + 4 + 4, where 22 tiles of 6
    /// would compute 132 rows). Fewer than 4 rows only where `m` itself is that small.
    static func rowTiles(_ m: Int) -> [(row: Int, rows: Int)] {
        var sixes = m / 6
        var tail: [Int]
        switch m % 6 {
        case 0: tail = []
        case 1 where sixes > 0: sixes -= 1; tail = [4, 3]
        case 2 where sixes > 0: sixes -= 1; tail = [4, 4]
        case 3 where sixes > 0: sixes -= 1; tail = [5, 4]
        default: tail = [m % 6]
        }
        var tiles: [(row: Int, rows: Int)] = (0..<sixes).map { (row: $0 * 6, rows: 6) }
        var row = sixes * 6
        for rows in tail {
            tiles.append((row: row, rows: rows))
            row += rows
        }
        return tiles
    }

    /// A packed by row tiles: tile `t` is `[k][6]` floats at `packed + t * 6 * k` (the first
    /// `rows` lanes of each group of 6 set), so a tile's broadcasts come from one cache
    /// line; A may be stored transposed (`o.transposedA`). The caller deallocates it.
    static func packRowPanels(_ o: MatmulOperands, tiles: [(row: Int, rows: Int)], pool: ThreadPool?) -> UnsafeMutablePointer<Float> {
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: tiles.count * 6 * o.k)
        let packTile = { (t: Int) in
            let (row, rows) = tiles[t]
            let dst = packedA + t * 6 * o.k
            if o.transposedA {
                // Rows row..<row+rows of A are columns of the stored [k, m]: contiguous per p.
                for p in 0..<o.k {
                    let src = o.a + p * o.lda + row
                    for r in 0..<rows { dst[p * 6 + r] = src[r] }
                }
                return
            }
            for r in 0..<rows {
                let src = o.a + (row + r) * o.lda
                for p in 0..<o.k { dst[p * 6 + r] = src[p] }
            }
        }
        if let pool, tiles.count > 1 { pool.parallelFor(tiles.count, packTile) } else { for t in tiles.indices { packTile(t) } }
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

    /// Rows `i..<i+rows` (1...6) of C, 16 columns (the first `width` kept), over one depth
    /// block; `packedA` points at the block's first group of 6 in the tile's packed panel.
    static func plainTile(_ o: MatmulOperands, row i: Int, rows: Int, column j: Int, width: Int, depth: Int, kc: Int,
                          packedA: UnsafePointer<Float>, panel: UnsafePointer<Float>) {
        switch rows {
        case 6: tile(TileRows6.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        case 5: tile(TileRows5.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        case 4: tile(TileRows4.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        case 3: tile(TileRows3.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        case 2: tile(TileRows2.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        default: tile(TileRows1.self, o, row: i, column: j, width: width, depth: depth, kc: kc, packedA: packedA, panel: panel)
        }
    }

    /// One specialization per row count (generic over `R`, so the compiler makes a copy per
    /// count with the unused accumulators gone from the loop).
    @inline(never)
    static func tile<R: TileRows>(_: R.Type, _ o: MatmulOperands, row i: Int, column j: Int, width: Int, depth: Int, kc: Int,
                                  packedA: UnsafePointer<Float>, panel: UnsafePointer<Float>) {
        let rows = R.rows
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
        var a = packedA, b = panel
        for _ in 0..<kc {
            let bv = loadV(b)
            c0 = c0.addingProduct(V(repeating: a[0]), bv)
            if rows > 1 { c1 = c1.addingProduct(V(repeating: a[1]), bv) }
            if rows > 2 { c2 = c2.addingProduct(V(repeating: a[2]), bv) }
            if rows > 3 { c3 = c3.addingProduct(V(repeating: a[3]), bv) }
            if rows > 4 { c4 = c4.addingProduct(V(repeating: a[4]), bv) }
            if rows > 5 { c5 = c5.addingProduct(V(repeating: a[5]), bv) }
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

/// A row count of GEMM's register tile, as a type, so that each count gets its own copy.
protocol TileRows { static var rows: Int { get } }
enum TileRows1: TileRows { static var rows: Int { 1 } }
enum TileRows2: TileRows { static var rows: Int { 2 } }
enum TileRows3: TileRows { static var rows: Int { 3 } }
enum TileRows4: TileRows { static var rows: Int { 4 } }
enum TileRows5: TileRows { static var rows: Int { 5 } }
enum TileRows6: TileRows { static var rows: Int { 6 } }
enum TileRows8: TileRows { static var rows: Int { 8 } }
enum TileRows12: TileRows { static var rows: Int { 12 } }
