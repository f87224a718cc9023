extension GEMM {
    /// Twelve accumulators of one tile (those past the tile's height stay zero).
    typealias Sums12<W: SIMD> = (W, W, W, W, W, W, W, W, W, W, W, W) where W.Scalar == Float

    /// The one broadcast tile: up to 12 rows of a row-major matrix (`base`, row stride `ld`;
    /// rows past `rows` repeat row 0), each element broadcast, times one vector per depth step
    /// (`load(p)`, any width `W`): sum r = Σ_p base[r, p] · load(p). One copy per height `R` and
    /// width, the accumulators past `R.rows` dropped by the compiler; inlined into its callers
    /// (the 8-lane packed form below, the 16-lane strided form of GEMM+Streamed).
    @inline(__always)
    static func broadcastTile<R: TileRows, W: SIMD>(_: R.Type, _ base: UnsafePointer<Float>, _ ld: Int, rows: Int,
                                                    depth: Int, load: (Int) -> W) -> Sums12<W> where W.Scalar == Float {
        let height = R.rows
        let w0 = base
        let w1 = rows > 1 ? base + ld : base, w2 = rows > 2 ? base + 2 * ld : base
        let w3 = rows > 3 ? base + 3 * ld : base, w4 = rows > 4 ? base + 4 * ld : base
        let w5 = rows > 5 ? base + 5 * ld : base, w6 = rows > 6 ? base + 6 * ld : base
        let w7 = rows > 7 ? base + 7 * ld : base, w8 = rows > 8 ? base + 8 * ld : base
        let w9 = rows > 9 ? base + 9 * ld : base, w10 = rows > 10 ? base + 10 * ld : base
        let w11 = rows > 11 ? base + 11 * ld : base
        var c0 = W(), c1 = W(), c2 = W(), c3 = W(), c4 = W(), c5 = W()
        var c6 = W(), c7 = W(), c8 = W(), c9 = W(), c10 = W(), c11 = W()
        for p in 0..<depth {
            let x = load(p)
            c0 = c0.addingProduct(W(repeating: w0[p]), x)
            if height > 1 { c1 = c1.addingProduct(W(repeating: w1[p]), x) }
            if height > 2 { c2 = c2.addingProduct(W(repeating: w2[p]), x) }
            if height > 3 { c3 = c3.addingProduct(W(repeating: w3[p]), x) }
            if height > 4 { c4 = c4.addingProduct(W(repeating: w4[p]), x) }
            if height > 5 { c5 = c5.addingProduct(W(repeating: w5[p]), x) }
            if height > 6 { c6 = c6.addingProduct(W(repeating: w6[p]), x) }
            if height > 7 { c7 = c7.addingProduct(W(repeating: w7[p]), x) }
            if height > 8 { c8 = c8.addingProduct(W(repeating: w8[p]), x) }
            if height > 9 { c9 = c9.addingProduct(W(repeating: w9[p]), x) }
            if height > 10 { c10 = c10.addingProduct(W(repeating: w10[p]), x) }
            if height > 11 { c11 = c11.addingProduct(W(repeating: w11[p]), x) }
        }
        return (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)
    }

    /// `broadcastTile` times an operand packed 8 lanes per depth step (`packed`, `[depth][8]`),
    /// sum r stored at `out + 8 r` for r < `rows`: the attention score tile (8 keys) and the
    /// transposed GEMM (12 weight rows). Inlined into its callers, which are not inlined
    /// themselves.
    @inline(__always)
    static func broadcastTile8<R: TileRows>(_: R.Type, _ base: UnsafePointer<Float>, _ ld: Int, rows: Int,
                                            _ packed: UnsafePointer<Float>, _ depth: Int,
                                            into out: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let c = broadcastTile(R.self, base, ld, rows: rows, depth: depth) { p in
            UnsafeRawPointer(packed + 8 * p).loadUnaligned(as: V8.self)
        }
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: c.0, as: V8.self)
        if rows > 1 { raw.storeBytes(of: c.1, toByteOffset: 32, as: V8.self) }
        if rows > 2 { raw.storeBytes(of: c.2, toByteOffset: 64, as: V8.self) }
        if rows > 3 { raw.storeBytes(of: c.3, toByteOffset: 96, as: V8.self) }
        if rows > 4 { raw.storeBytes(of: c.4, toByteOffset: 128, as: V8.self) }
        if rows > 5 { raw.storeBytes(of: c.5, toByteOffset: 160, as: V8.self) }
        if rows > 6 { raw.storeBytes(of: c.6, toByteOffset: 192, as: V8.self) }
        if rows > 7 { raw.storeBytes(of: c.7, toByteOffset: 224, as: V8.self) }
        if rows > 8 { raw.storeBytes(of: c.8, toByteOffset: 256, as: V8.self) }
        if rows > 9 { raw.storeBytes(of: c.9, toByteOffset: 288, as: V8.self) }
        if rows > 10 { raw.storeBytes(of: c.10, toByteOffset: 320, as: V8.self) }
        if rows > 11 { raw.storeBytes(of: c.11, toByteOffset: 352, as: V8.self) }
    }

    /// Loads 16 floats of B at `p`, or only the first `width` (the rest zero) at the right edge.
    @inline(__always)
    static func loadEdge(_ p: UnsafePointer<Float>, _ width: Int) -> V {
        if width == 16 { return loadV(p) }
        var v = V()
        for lane in 0..<width { v[lane] = p[lane] }
        return v
    }

    /// Up to 6 rows of A (row stride `lda`; rows past `rows` repeat row 0) times 16 columns of B
    /// read in place (`b`, row stride `ldb`, `width` valid columns) over `kc` of depth: one copy
    /// per tile height `R` (4 rows use 8 ymm accumulators where a 6-row tile would waste two),
    /// the accumulators past `R.rows` dropped by the compiler. Sums past `R.rows` are zero. The
    /// 16-lane strided form of `broadcastTile`, kept in this file so that debug builds (no
    /// whole-module optimization) inline and specialize the tile here.
    @inline(never)
    static func tileStrided<R: TileRows>(_: R.Type, _ a: UnsafePointer<Float>, _ lda: Int, rows: Int,
                                         _ b: UnsafePointer<Float>, _ ldb: Int, width: Int, _ kc: Int)
        -> (V, V, V, V, V, V) {
        let c = broadcastTile(R.self, a, lda, rows: rows, depth: kc) { p in loadEdge(b + p * ldb, width) }
        return (c.0, c.1, c.2, c.3, c.4, c.5)
    }
}
