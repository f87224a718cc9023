import GPT2Kernels
import Testing

/// `Kernels.layerNorm` against `NaiveKernels.layerNorm` (double precision). Tolerance: 1e-5 of
/// max(1, |value|) for outputs and statistics.
struct LayerNormTests {
    @Test(arguments: [(1, 1), (1, 7), (3, 16), (8, 33), (17, 768), (20, 770), (5, 1600)])
    func layerNorm_matchesNaive(rows: Int, cols: Int) {
        var rng = SplitMix64(seed: UInt64(rows * 10_000 + cols))
        // A large common offset per row checks that the variance is taken around the mean.
        let input = rng.floats(rows * cols, in: -3...3).enumerated().map { $0.element + Float($0.offset / cols) * 10 }
        let weight = rng.floats(cols, in: 0.5...1.5), bias = rng.floats(cols)
        var expected = [Float](repeating: 0, count: rows * cols)
        var expectedMean = [Float](repeating: 0, count: rows), expectedRstd = expectedMean
        input.withUnsafeBufferPointer { x in weight.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
            NaiveKernels.layerNorm(input: x.baseAddress!, output: &expected, weight: w.baseAddress!, bias: b.baseAddress!,
                                   rows: rows, cols: cols, epsilon: 1e-5, mean: &expectedMean, rstd: &expectedRstd)
        } } }
        for pool in testPools() {
            var actual = [Float](repeating: .nan, count: rows * cols)
            var mean = [Float](repeating: .nan, count: rows), rstd = mean
            input.withUnsafeBufferPointer { x in weight.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                Kernels.layerNorm(input: x.baseAddress!, output: &actual, weight: w.baseAddress!, bias: b.baseAddress!,
                                  rows: rows, cols: cols, epsilon: 1e-5, mean: &mean, rstd: &rstd, pool: pool)
            } } }
            let context = "layerNorm \(rows)x\(cols) threads=\(pool?.threadCount ?? 0)"
            expectClose(actual, expected, relative: 1e-5, absolute: 1e-5, context)
            expectClose(mean, expectedMean, relative: 1e-5, absolute: 1e-5, context + " mean")
            expectClose(rstd, expectedRstd, relative: 1e-5, absolute: 1e-5, context + " rstd")
        }
        // In place, without statistics.
        var inPlace = input
        weight.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in inPlace.withUnsafeMutableBufferPointer { x in
            Kernels.layerNorm(input: x.baseAddress!, output: x.baseAddress!, weight: w.baseAddress!, bias: b.baseAddress!,
                              rows: rows, cols: cols, epsilon: 1e-5)
        } } }
        expectClose(inPlace, expected, relative: 1e-5, absolute: 1e-5, "layerNorm in place \(rows)x\(cols)")
    }
}
