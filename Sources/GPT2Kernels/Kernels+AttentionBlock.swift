extension Kernels {
    /// Query rows per block of the blocked attention path (one SIMD8 of queries).
    static let attentionQueryBlock = 8

    /// Attention of query rows `firstToken ..< firstToken + count` (count <= 8) for one head, as
    /// two small matrix products instead of per-row dot products (no horizontal sums), with the
    /// probabilities kept transposed, `P[j][r]` (8 floats a key position, one lane a query):
    /// - `P = K (scale Q)^T`, 8 key rows as broadcast operands against the 8 queries in the
    ///   lanes, each key's 8 scores one vector store;
    /// - the causal softmax of all 8 queries at once, lane-wise over the positions (a query's
    ///   future positions set to -inf, so they come out 0);
    /// - `O = P^T V`, register tiles that broadcast `P[j][r]` from one cache line per position.
    /// `scores` holds at least `8 * (startPosition + firstToken + count + 1)` floats.
    static func attendBlock(q: UnsafePointer<Float>, ldq: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                            ldkv: Int, out: UnsafeMutablePointer<Float>, ldo: Int, firstToken: Int, count: Int,
                            startPosition: Int, headDim: Int, scale: Float,
                            scores: UnsafeMutablePointer<Float>) {
        let base = startPosition + firstToken           // the block's first query sees 0...base
        let positions = base + count                    // the last query's causal length
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
                          scores: scores + j * 8)
                j += rows
            }
        }
        // Query r sees positions 0...base + r: later ones are masked.
        for j in (base + 1)..<positions {
            for r in 0..<(j - base) { scores[j * 8 + r] = -.infinity }
        }
        softmaxLanes(scores, positions: positions)
        // O[r, :] = sum_j P[j][r] V[j, :], 16 columns of the head at a time, queries 0-3 and 4-7.
        var d = 0
        while d < headDim {
            let width = min(16, headDim - d)
            var r = 0
            while r < count {
                let rows = min(4, count - r)
                let t = valueTile(scores + r, values + d, ldkv, width: width, positions: positions)
                let target = out + (firstToken + r) * ldo + d
                writeRow(t.0, target, width)
                if rows > 1 { writeRow(t.1, target + ldo, width) }
                if rows > 2 { writeRow(t.2, target + 2 * ldo, width) }
                if rows > 3 { writeRow(t.3, target + 3 * ldo, width) }
                r += rows
            }
            d += width
        }
    }

    /// Scores of `rows` (<= 8) consecutive keys against the 8 queries of `queryT`:
    /// `scores[key * 8 + r] = k_key · q_r`, one vector of 8 per key.
    @inline(never)
    static func scoreTile(keys: UnsafePointer<Float>, ldkv: Int, rows: Int, queryT: UnsafePointer<Float>, headDim: Int,
                          scores: UnsafeMutablePointer<Float>) {
        GEMM.broadcastTile8(TileRows8.self, keys, ldkv, rows: rows, queryT, headDim, into: scores)
    }

    /// Softmax of each lane r of `p[j * 8 + r]` over the positions j < `positions`, in place,
    /// two positions per 16-lane vector (an odd count gets a -inf position after it, which
    /// comes out 0).
    static func softmaxLanes(_ p: UnsafeMutablePointer<Float>, positions: Int) {
        if positions % 2 == 1 { (p + positions * 8).update(repeating: -.infinity, count: 8) }
        let total = (positions + 1) / 2 * 16
        var top = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i < total {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            top.replace(with: v, where: v .> top)
            i += 16
        }
        var lanesTop = top.lowHalf
        lanesTop.replace(with: top.highHalf, where: top.highHalf .> lanesTop)
        let shift = SIMD16(lowHalf: lanesTop, highHalf: lanesTop)
        var sum = SIMD16<Float>()
        i = 0
        while i < total {
            let raw = UnsafeMutableRawPointer(p + i)
            let e = Kernels.exp(raw.loadUnaligned(as: SIMD16<Float>.self) - shift)
            raw.storeBytes(of: e, as: SIMD16<Float>.self)
            sum += e
            i += 16
        }
        let lanesSum = sum.lowHalf + sum.highHalf
        let inverse = SIMD8<Float>(repeating: 1) / lanesSum
        let factor = SIMD16(lowHalf: inverse, highHalf: inverse)
        i = 0
        while i < total {
            let raw = UnsafeMutableRawPointer(p + i)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) * factor, as: SIMD16<Float>.self)
            i += 16
        }
    }

    /// `sum_j p[j * 8 + r] * values[j, 0..<width]` for r < 4 (`p` already offset to the first
    /// query): a 4x16 tile whose broadcasts share one cache line per position.
    @inline(never)
    static func valueTile(_ p: UnsafePointer<Float>, _ values: UnsafePointer<Float>, _ ldkv: Int, width: Int,
                          positions: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        typealias V = SIMD16<Float>
        var c0 = V(), c1 = V(), c2 = V(), c3 = V()
        var a = p, b = values
        for _ in 0..<positions {
            let bv = GEMM.loadEdge(b, width)
            c0 = c0.addingProduct(V(repeating: a[0]), bv)
            c1 = c1.addingProduct(V(repeating: a[1]), bv)
            c2 = c2.addingProduct(V(repeating: a[2]), bv)
            c3 = c3.addingProduct(V(repeating: a[3]), bv)
            a += 8
            b += ldkv
        }
        return (c0, c1, c2, c3)
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
