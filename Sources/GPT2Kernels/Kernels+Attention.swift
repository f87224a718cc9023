extension Kernels {
    /// Floats of scratch `causalAttention` needs: per thread, a row of `contextLength` scores
    /// for every head (or for each query of a block of 8). `contextLength` must be at least
    /// `startPosition + newTokens` of the calls it serves, and `threads` at least the
    /// `threadCount` of the pool passed to them.
    public static func attentionScratchCount(newTokens: Int, contextLength: Int, heads: Int, threads: Int) -> Int {
        max(1, threads) * max(heads, attentionQueryBlock) * (contextLength + 16)
    }

    /// Causal multi-head attention of `newTokens` query rows of ONE sequence against its KV cache.
    ///
    /// - `q`: `[newTokens, heads * headDim]`, row stride `ldq`; head `h` is columns
    ///   `h*headDim ..< (h+1)*headDim`.
    /// - `keys`, `values`: the cache, `[positions, heads * headDim]` with row stride `ldkv`; the
    ///   new tokens' own keys and values are already at positions
    ///   `startPosition ..< startPosition + newTokens`.
    /// - Query row `t` (absolute position `startPosition + t`) attends to positions
    ///   `0 ... startPosition + t` with scores `q·k / sqrt(headDim)` and a softmax.
    /// - `out`: `[newTokens, heads * headDim]`, row stride `ldo`; must not overlap the inputs.
    /// - `scratch`: at least `attentionScratchCount(...)` floats.
    ///
    /// Few query rows (decode): the cache is read row by row in memory order (all heads of a
    /// work item at once), which matters when it comes from DRAM; work items are a query row
    /// and a group of heads (the heads split over the threads when rows are few). Four or more
    /// query rows (prompts): work items are a head and a block of 8 queries, computed as two
    /// small register-tiled matrix products.
    public static func causalAttention(q: UnsafePointer<Float>, ldq: Int,
                                       keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                                       out: UnsafeMutablePointer<Float>, ldo: Int,
                                       newTokens: Int, startPosition: Int, heads: Int, headDim: Int,
                                       scratch: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        if newTokens <= 0 || heads <= 0 || headDim <= 0 { return }
        let scale = 1 / Float(headDim).squareRoot()
        let threads = pool?.threadCount ?? 1
        let groups = newTokens >= 2 * threads ? 1 : min(heads, threads)
        let headsPerGroup = (heads + groups - 1) / groups
        let items = newTokens * groups
        let scoresStride = startPosition + newTokens + 16
        let perThread = max(heads, attentionQueryBlock) * scoresStride
        if newTokens >= 4 {
            let block = attentionQueryBlock
            let blocks = (newTokens + block - 1) / block
            let runBlock = { (item: Int, thread: Int) in
                // Later blocks attend to more positions: hand them out first.
                let firstToken = (blocks - 1 - item / heads) * block
                let head = item % heads
                attendBlock(q: q + head * headDim, ldq: ldq, keys: keys + head * headDim, values: values + head * headDim,
                            ldkv: ldkv, out: out + head * headDim, ldo: ldo, firstToken: firstToken,
                            count: min(block, newTokens - firstToken), startPosition: startPosition,
                            headDim: headDim, scale: scale, scores: scratch + thread * perThread)
            }
            if let pool { pool.parallelFor(heads * blocks, withThreadIndex: runBlock) } else {
                for item in 0..<(heads * blocks) { runBlock(item, 0) }
            }
            return
        }
        let run = { (item: Int, thread: Int) in
            // Later query rows attend to more positions: hand them out first.
            let t = newTokens - 1 - item / groups
            let firstHead = (item % groups) * headsPerGroup
            let headCount = min(headsPerGroup, heads - firstHead)
            if headCount <= 0 { return }
            attendRow(query: q + t * ldq + firstHead * headDim,
                      keys: keys + firstHead * headDim, values: values + firstHead * headDim, ldkv: ldkv,
                      positions: startPosition + t + 1, heads: headCount, headDim: headDim, scale: scale,
                      scores: scratch + thread * perThread, scoresStride: scoresStride,
                      out: out + t * ldo + firstHead * headDim)
        }
        if let pool, items > 1 {
            pool.parallelFor(items, withThreadIndex: run)
        } else {
            for item in 0..<items { run(item, 0) }
        }
    }

    /// One query row against `positions` rows of the cache for `heads` consecutive heads:
    /// scores (row by row of K), a softmax per head, then `out = sum_j p_j v_j` (row by row of V,
    /// sums in `out`, which stays in L1).
    static func attendRow(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                          ldkv: Int, positions: Int, heads: Int, headDim: Int, scale: Float,
                          scores: UnsafeMutablePointer<Float>, scoresStride: Int, out: UnsafeMutablePointer<Float>) {
        var key = keys
        for j in 0..<positions {
            for h in 0..<heads {
                scores[h * scoresStride + j] = dot(query + h * headDim, key + h * headDim, headDim) * scale
            }
            key += ldkv
        }
        for h in 0..<heads { softmaxPadded(scores + h * scoresStride, count: positions) }
        let width = heads * headDim
        out.update(repeating: 0, count: width)
        var value = values
        for j in 0..<positions {
            for h in 0..<heads {
                axpy(scores[h * scoresStride + j], value + h * headDim, into: out + h * headDim, count: headDim)
            }
            value += ldkv
        }
    }

    /// `y += a * x` over `count` floats.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let w = V(repeating: a)
        var d = 0
        while d + 32 <= count {
            storeV(loadV(y + d).addingProduct(w, loadV(x + d)), y + d)
            storeV(loadV(y + d + 16).addingProduct(w, loadV(x + d + 16)), y + d + 16)
            d += 32
        }
        if d + 16 <= count {
            storeV(loadV(y + d).addingProduct(w, loadV(x + d)), y + d)
            d += 16
        }
        while d < count {
            y[d] += a * x[d]
            d += 1
        }
    }

    /// Dot product of two vectors of `count` floats.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = V(), s1 = V()
        var i = 0
        while i + 32 <= count {
            s0 = s0.addingProduct(loadV(x + i), loadV(y + i))
            s1 = s1.addingProduct(loadV(x + i + 16), loadV(y + i + 16))
            i += 32
        }
        if i + 16 <= count {
            s0 = s0.addingProduct(loadV(x + i), loadV(y + i))
            i += 16
        }
        var total = (s0 + s1).sum()
        while i < count {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }
}

