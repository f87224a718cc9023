import GPT2Kernels
import Testing

/// `Kernels.causalAttention` against `NaiveKernels.causalAttention` (double precision).
/// Tolerance: 1e-5 of max(1, |value|) (outputs are convex combinations of values in [-1, 1]).
struct AttentionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let heads: Int, headDim: Int, start: Int, newTokens: Int
        var testDescription: String { "heads=\(heads) headDim=\(headDim) start=\(start) new=\(newTokens)" }
    }

    static let cases: [Case] = [
        Case(heads: 1, headDim: 1, start: 0, newTokens: 1), Case(heads: 3, headDim: 12, start: 0, newTokens: 7),
        Case(heads: 2, headDim: 13, start: 5, newTokens: 3), Case(heads: 12, headDim: 64, start: 37, newTokens: 1),
        Case(heads: 4, headDim: 64, start: 0, newTokens: 33), Case(heads: 3, headDim: 80, start: 11, newTokens: 17),
        Case(heads: 2, headDim: 17, start: 100, newTokens: 2), Case(heads: 5, headDim: 32, start: 3, newTokens: 40),
        // The blocked path (4+ query rows): partial blocks, odd head sizes, a long cache.
        Case(heads: 3, headDim: 13, start: 21, newTokens: 4), Case(heads: 12, headDim: 64, start: 100, newTokens: 8),
        Case(heads: 1, headDim: 12, start: 0, newTokens: 9), Case(heads: 2, headDim: 31, start: 7, newTokens: 13),
    ]

    @Test(arguments: cases)
    func causalAttention_matchesNaive(c: Case) {
        var rng = SplitMix64(seed: UInt64(c.heads * 1_000_000 + c.headDim * 10_000 + c.start * 100 + c.newTokens))
        let width = c.heads * c.headDim
        let ldq = width + 3, ldkv = width + 5, ldo = width + 1
        let positions = c.start + c.newTokens
        let q = rng.floats(c.newTokens * ldq, in: -2...2)
        let keys = rng.floats(positions * ldkv, in: -2...2)
        let values = rng.floats(positions * ldkv)
        let outInitial = rng.floats(c.newTokens * ldo)
        var expected = outInitial
        q.withUnsafeBufferPointer { pq in keys.withUnsafeBufferPointer { pk in values.withUnsafeBufferPointer { pv in
            NaiveKernels.causalAttention(q: pq.baseAddress!, ldq: ldq, keys: pk.baseAddress!, values: pv.baseAddress!, ldkv: ldkv,
                                         out: &expected, ldo: ldo, newTokens: c.newTokens, startPosition: c.start,
                                         heads: c.heads, headDim: c.headDim)
        } } }
        for pool in testPools() {
            let threads = pool?.threadCount ?? 1
            let contextLength = positions + 9
            var scratch = [Float](repeating: .nan, count: Kernels.attentionScratchCount(
                newTokens: c.newTokens, contextLength: contextLength, heads: c.heads, threads: threads))
            var actual = outInitial
            q.withUnsafeBufferPointer { pq in keys.withUnsafeBufferPointer { pk in values.withUnsafeBufferPointer { pv in
                Kernels.causalAttention(q: pq.baseAddress!, ldq: ldq, keys: pk.baseAddress!, values: pv.baseAddress!, ldkv: ldkv,
                                        out: &actual, ldo: ldo, newTokens: c.newTokens, startPosition: c.start,
                                        heads: c.heads, headDim: c.headDim, scratch: &scratch, pool: pool)
            } } }
            expectClose(actual, expected, relative: 1e-5, absolute: 1e-5, "\(c.testDescription) threads=\(threads)")
        }
    }

    /// A query that matches one key far better than all others copies that key's value; the
    /// future keys (past the query's own position) must not leak in.
    @Test
    func causalAttention_ignoresFuturePositions() {
        let headDim = 4
        // Position 0: key e0; position 1: key 100 e1 (huge score for the first query if visible).
        let keys: [Float] = [1, 0, 0, 0, 0, 100, 0, 0]
        let values: [Float] = [1, 2, 3, 4, 9, 9, 9, 9]
        let q: [Float] = [0, 1, 0, 0, 0, 1, 0, 0]
        var out = [Float](repeating: 0, count: 8)
        var scratch = [Float](repeating: 0, count: Kernels.attentionScratchCount(newTokens: 2, contextLength: 2, heads: 1, threads: 1))
        Kernels.causalAttention(q: q, ldq: 4, keys: keys, values: values, ldkv: 4, out: &out, ldo: 4,
                                newTokens: 2, startPosition: 0, heads: 1, headDim: headDim, scratch: &scratch, pool: nil)
        #expect(Array(out[0..<4]) == [1, 2, 3, 4])
        // Second query: score 100/2 = 50 for position 1 against 0 for position 0.
        for d in 4..<8 { #expect(abs(out[d] - 9) < 1e-4) }
    }
}
