extension GEMM {
    /// Up to 12 rows of a row-major matrix (`base`, row stride `ld`; rows past `rows` repeat
    /// row 0), each element broadcast, times an operand packed 8 lanes per depth step
    /// (`packed`, `[depth][8]`): sum r = Σ_p base[r, p] · packed[p, 0..<8], stored at
    /// `out + 8 r` for r < `rows`. One copy per height `R` (8 keys of an attention score tile, 12
    /// weight rows of the transposed GEMM), the accumulators past `R.rows` dropped by the compiler.
    /// Inlined into its callers, which are not inlined themselves.
    @inline(__always)
    static func broadcastTile8<R: TileRows>(_: R.Type, _ base: UnsafePointer<Float>, _ ld: Int, rows: Int,
                                            _ packed: UnsafePointer<Float>, _ depth: Int,
                                            into out: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let height = R.rows
        let w0 = base
        let w1 = rows > 1 ? base + ld : base, w2 = rows > 2 ? base + 2 * ld : base
        let w3 = rows > 3 ? base + 3 * ld : base, w4 = rows > 4 ? base + 4 * ld : base
        let w5 = rows > 5 ? base + 5 * ld : base, w6 = rows > 6 ? base + 6 * ld : base
        let w7 = rows > 7 ? base + 7 * ld : base, w8 = rows > 8 ? base + 8 * ld : base
        let w9 = rows > 9 ? base + 9 * ld : base, w10 = rows > 10 ? base + 10 * ld : base
        let w11 = rows > 11 ? base + 11 * ld : base
        var c0 = V8(), c1 = V8(), c2 = V8(), c3 = V8(), c4 = V8(), c5 = V8()
        var c6 = V8(), c7 = V8(), c8 = V8(), c9 = V8(), c10 = V8(), c11 = V8()
        var a = packed
        for p in 0..<depth {
            let x = UnsafeRawPointer(a).loadUnaligned(as: V8.self)
            c0 = c0.addingProduct(V8(repeating: w0[p]), x)
            if height > 1 { c1 = c1.addingProduct(V8(repeating: w1[p]), x) }
            if height > 2 { c2 = c2.addingProduct(V8(repeating: w2[p]), x) }
            if height > 3 { c3 = c3.addingProduct(V8(repeating: w3[p]), x) }
            if height > 4 { c4 = c4.addingProduct(V8(repeating: w4[p]), x) }
            if height > 5 { c5 = c5.addingProduct(V8(repeating: w5[p]), x) }
            if height > 6 { c6 = c6.addingProduct(V8(repeating: w6[p]), x) }
            if height > 7 { c7 = c7.addingProduct(V8(repeating: w7[p]), x) }
            if height > 8 { c8 = c8.addingProduct(V8(repeating: w8[p]), x) }
            if height > 9 { c9 = c9.addingProduct(V8(repeating: w9[p]), x) }
            if height > 10 { c10 = c10.addingProduct(V8(repeating: w10[p]), x) }
            if height > 11 { c11 = c11.addingProduct(V8(repeating: w11[p]), x) }
            a += 8
        }
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: c0, as: V8.self)
        if rows > 1 { raw.storeBytes(of: c1, toByteOffset: 32, as: V8.self) }
        if rows > 2 { raw.storeBytes(of: c2, toByteOffset: 64, as: V8.self) }
        if rows > 3 { raw.storeBytes(of: c3, toByteOffset: 96, as: V8.self) }
        if rows > 4 { raw.storeBytes(of: c4, toByteOffset: 128, as: V8.self) }
        if rows > 5 { raw.storeBytes(of: c5, toByteOffset: 160, as: V8.self) }
        if rows > 6 { raw.storeBytes(of: c6, toByteOffset: 192, as: V8.self) }
        if rows > 7 { raw.storeBytes(of: c7, toByteOffset: 224, as: V8.self) }
        if rows > 8 { raw.storeBytes(of: c8, toByteOffset: 256, as: V8.self) }
        if rows > 9 { raw.storeBytes(of: c9, toByteOffset: 288, as: V8.self) }
        if rows > 10 { raw.storeBytes(of: c10, toByteOffset: 320, as: V8.self) }
        if rows > 11 { raw.storeBytes(of: c11, toByteOffset: 352, as: V8.self) }
    }
}
