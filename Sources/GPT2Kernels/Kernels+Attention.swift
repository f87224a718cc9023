extension Kernels {
    /// Floats of scratch `causalAttention` needs: one row of `contextLength` scores per thread.
    /// `contextLength` must be at least `startPosition + newTokens` of the calls it serves, and
    /// `threads` at least the `threadCount` of the pool passed to them.
    public static func attentionScratchCount(newTokens: Int, contextLength: Int, heads: Int, threads: Int) -> Int {
        max(1, threads) * (contextLength + 16)
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
    /// Work items (a head and a block of query rows) are spread over `pool`.
    public static func causalAttention(q: UnsafePointer<Float>, ldq: Int,
                                       keys: UnsafePointer<Float>, values: UnsafePointer<Float>, ldkv: Int,
                                       out: UnsafeMutablePointer<Float>, ldo: Int,
                                       newTokens: Int, startPosition: Int, heads: Int, headDim: Int,
                                       scratch: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
        if newTokens <= 0 || heads <= 0 || headDim <= 0 { return }
        let scale = 1 / Float(headDim).squareRoot()
        let queryBlock = 16
        let blocks = (newTokens + queryBlock - 1) / queryBlock
        let items = heads * blocks
        let threads = min(pool?.threadCount ?? 1, items)
        let scoresStride = startPosition + newTokens + 16
        let work = { (thread: Int) in
            let scores = scratch + thread * scoresStride
            var item = thread
            while item < items {
                // Later query blocks attend to more positions: hand them out first.
                let block = blocks - 1 - item / heads
                let head = item % heads
                let firstToken = block * queryBlock
                for t in firstToken..<min(newTokens, firstToken + queryBlock) {
                    attendOne(query: q + t * ldq + head * headDim,
                              keys: keys + head * headDim, values: values + head * headDim, ldkv: ldkv,
                              positions: startPosition + t + 1, headDim: headDim, scale: scale,
                              scores: scores, out: out + t * ldo + head * headDim)
                }
                item += threads
            }
        }
        if let pool, threads > 1 {
            pool.parallelFor(threads, work)
        } else {
            work(0)
        }
    }

    /// One query row of one head: `out = softmax(scale * K q) · V` over `positions` rows.
    static func attendOne(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                          ldkv: Int, positions: Int, headDim: Int, scale: Float,
                          scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        var key = keys
        for j in 0..<positions {
            scores[j] = dot(query, key, headDim) * scale
            key += ldkv
        }
        softmax(scores, count: positions)
        var d = 0
        while d + 64 <= headDim {
            var o0 = V(), o1 = V(), o2 = V(), o3 = V()
            var value = values + d
            for j in 0..<positions {
                let w = V(repeating: scores[j])
                o0 = o0.addingProduct(w, loadV(value))
                o1 = o1.addingProduct(w, loadV(value + 16))
                o2 = o2.addingProduct(w, loadV(value + 32))
                o3 = o3.addingProduct(w, loadV(value + 48))
                value += ldkv
            }
            storeV(o0, out + d)
            storeV(o1, out + d + 16)
            storeV(o2, out + d + 32)
            storeV(o3, out + d + 48)
            d += 64
        }
        while d + 16 <= headDim {
            var o0 = V()
            var value = values + d
            for j in 0..<positions {
                o0 = o0.addingProduct(V(repeating: scores[j]), loadV(value))
                value += ldkv
            }
            storeV(o0, out + d)
            d += 16
        }
        if d < headDim {
            for e in d..<headDim { out[e] = 0 }
            var value = values
            for j in 0..<positions {
                let w = scores[j]
                for e in d..<headDim { out[e] += w * value[e] }
                value += ldkv
            }
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

// File-local copies of the vector load/store: without whole-module optimization (debug
// builds) a helper from another file is a real call inside the inner loop.
@inline(__always)
private func loadV(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func loadV(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func storeV(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
