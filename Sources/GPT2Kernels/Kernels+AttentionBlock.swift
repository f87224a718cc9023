extension Kernels {
    /// Query rows per block of the blocked attention path (one SIMD8 of queries).
    static let attentionQueryBlock = 8

    /// Attention of query rows `firstToken ..< firstToken + count` (count <= 8) for one head, as
    /// two small matrix products instead of per-row dot products (no horizontal sums):
    /// `S = (scale Q) K^T` with 8 key rows as broadcast operands against the 8 queries in the
    /// lanes, a causal softmax per row, then `O = S V` with the GEMM's register tiles.
    /// `scores` holds 8 rows of `scoresStride` floats.
    static func attendBlock(q: UnsafePointer<Float>, ldq: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                            ldkv: Int, out: UnsafeMutablePointer<Float>, ldo: Int, firstToken: Int, count: Int,
                            startPosition: Int, headDim: Int, scale: Float,
                            scores: UnsafeMutablePointer<Float>, scoresStride: Int) {
        let positions = startPosition + firstToken + count     // the last row's causal length
        withUnsafeTemporaryAllocation(of: Float.self, capacity: headDim * 8) { buffer in
            // Q^T of the block, scaled: queryT[d * 8 + r] = scale * q[firstToken + r, d].
            let queryT = buffer.baseAddress!
            for d in 0..<headDim {
                for r in 0..<8 {
                    queryT[d * 8 + r] = r < count ? scale * q[(firstToken + r) * ldq + d] : 0
                }
            }
            var j = 0
            while j < positions {
                let rows = min(8, positions - j)
                scoreTile(keys: keys + j * ldkv, ldkv: ldkv, rows: rows, queryT: queryT, headDim: headDim,
                          count: count, scores: scores + j, scoresStride: scoresStride)
                j += rows
            }
        }
        for r in 0..<count {
            let row = scores + r * scoresStride
            let length = startPosition + firstToken + r + 1
            softmaxPadded(row, count: length)
            if length < positions { (row + length).update(repeating: 0, count: positions - length) }
        }
        // O[r, :] = sum_j S[r, j] V[j, :], 16 columns of the head at a time.
        var d = 0
        while d < headDim {
            let width = min(16, headDim - d)
            var r = 0
            while r < count {
                let rows = min(count - r, count - r > 6 ? 4 : 6)
                let target = out + (firstToken + r) * ldo + d
                if rows <= 4 {
                    let t = GEMM.tile4Strided(scores + r * scoresStride, scoresStride, rows: rows, values + d, ldkv,
                                              width: width, positions)
                    writeRow(t.0, target, width)
                    if rows > 1 { writeRow(t.1, target + ldo, width) }
                    if rows > 2 { writeRow(t.2, target + 2 * ldo, width) }
                    if rows > 3 { writeRow(t.3, target + 3 * ldo, width) }
                } else {
                    let t = GEMM.tile6Strided(scores + r * scoresStride, scoresStride, rows: rows, values + d, ldkv,
                                              width: width, positions)
                    writeRow(t.0, target, width)
                    writeRow(t.1, target + ldo, width)
                    writeRow(t.2, target + 2 * ldo, width)
                    writeRow(t.3, target + 3 * ldo, width)
                    writeRow(t.4, target + 4 * ldo, width)
                    if rows > 5 { writeRow(t.5, target + 5 * ldo, width) }
                }
                r += rows
            }
            d += width
        }
    }

    /// Scores of `rows` (<= 8) consecutive keys against the 8 queries of `queryT`:
    /// `scores[r * stride + j] = k_j · q_r` for the first `count` queries.
    @inline(never)
    static func scoreTile(keys: UnsafePointer<Float>, ldkv: Int, rows: Int, queryT: UnsafePointer<Float>, headDim: Int,
                          count: Int, scores: UnsafeMutablePointer<Float>, scoresStride: Int) {
        typealias V8 = SIMD8<Float>
        let k0 = keys
        let k1 = rows > 1 ? keys + ldkv : keys, k2 = rows > 2 ? keys + 2 * ldkv : keys
        let k3 = rows > 3 ? keys + 3 * ldkv : keys, k4 = rows > 4 ? keys + 4 * ldkv : keys
        let k5 = rows > 5 ? keys + 5 * ldkv : keys, k6 = rows > 6 ? keys + 6 * ldkv : keys
        let k7 = rows > 7 ? keys + 7 * ldkv : keys
        var c0 = V8(), c1 = V8(), c2 = V8(), c3 = V8(), c4 = V8(), c5 = V8(), c6 = V8(), c7 = V8()
        var x = queryT
        for d in 0..<headDim {
            let qv = UnsafeRawPointer(x).loadUnaligned(as: V8.self)
            c0 = c0.addingProduct(V8(repeating: k0[d]), qv)
            c1 = c1.addingProduct(V8(repeating: k1[d]), qv)
            c2 = c2.addingProduct(V8(repeating: k2[d]), qv)
            c3 = c3.addingProduct(V8(repeating: k3[d]), qv)
            c4 = c4.addingProduct(V8(repeating: k4[d]), qv)
            c5 = c5.addingProduct(V8(repeating: k5[d]), qv)
            c6 = c6.addingProduct(V8(repeating: k6[d]), qv)
            c7 = c7.addingProduct(V8(repeating: k7[d]), qv)
            x += 8
        }
        withUnsafeBytes(of: (c0, c1, c2, c3, c4, c5, c6, c7)) { raw in
            let values = raw.bindMemory(to: Float.self)
            for key in 0..<rows {
                for query in 0..<count { scores[query * scoresStride + key] = values[key * 8 + query] }
            }
        }
    }

    /// `target[0..<width] = sum[0..<width]`.
    @inline(__always)
    static func writeRow(_ sum: SIMD16<Float>, _ target: UnsafeMutablePointer<Float>, _ width: Int) {
        if width == 16 {
            UnsafeMutableRawPointer(target).storeBytes(of: sum, as: SIMD16<Float>.self)
        } else {
            for lane in 0..<width { target[lane] = sum[lane] }
        }
    }
}
