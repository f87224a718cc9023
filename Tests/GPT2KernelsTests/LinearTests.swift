import GPT2Kernels
import Testing

/// `Kernels.linear` for every format and layout, at every instruction-set level this CPU
/// supports (forced through `isa:`), against `NaiveKernels.linear` on the same stored weights,
/// within `linearErrorBound` (fp32 rounding, plus the activation quantization of int8 / q4).
struct LinearTests {
    static let rowCounts = [1, 2, 3, 5, 8, 17, 64]
    static let widths = [1, 7, 33, 100]
    static let depths = [32, 64, 96, 800]
    /// A depth that is not a multiple of 4 (the int8 kernels' dword steps), for the formats that allow it.
    static let oddDepth = 37

    /// m rows of `lda` floats in -1...1, with row 1 all zeros and one outlier (40) in row 2, so
    /// zero-scale rows and skewed rows are covered.
    static func activations(m: Int, k: Int, lda: Int, rng: inout SplitMix64) -> [Float] {
        var a = rng.floats(m * lda)
        if m > 2 {
            for p in 0..<k { a[lda + p] = 0 }
            a[2 * lda + k / 2] = 40
        }
        return a
    }

    @Test(arguments: LinearCase.all, rowCounts)
    func linear_matchesNaive_everyLevelPoolAndFlag(testCase: LinearCase, m: Int) {
        let pools = testPools()
        for n in Self.widths {
            for k in Self.depths + (testCase.format == .q4 || testCase.panels ? [] : [Self.oddDepth]) {
                var rng = SplitMix64(seed: UInt64(m * 1_000_003 + n * 1_009 + k))
                let lda = k + 3, ldc = n + 2
                let a = Self.activations(m: m, k: k, lda: lda, rng: &rng)
                let weight = testCase.weight(rng.floats(k * n), k: k, n: n)
                let bias = rng.floats(n)
                let initial = rng.floats(m * ldc)
                // One bound for all four flag combinations (with the bias and C terms included).
                let bound = linearErrorBound(a, lda: lda, weight: weight, bias: bias, c: initial, ldc: ldc, m: m, accumulate: true)
                for useBias in [false, true] {
                    for accumulate in [false, true] {
                        let b = useBias ? bias : nil
                        let expected = naiveLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m, accumulate: accumulate)
                        for isa in LinearISA.supported {
                            for pool in pools {
                                let actual = fastLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m,
                                                        accumulate: accumulate, pool: pool, isa: isa)
                                let context = "\(testCase.testDescription) m=\(m) n=\(n) k=\(k) bias=\(useBias) accumulate=\(accumulate) \(isa) threads=\(pool?.threadCount ?? 0)"
                                expectClose(actual, expected, relative: 1, absolute: 0, scale: bound, context)
                                for i in 0..<m {
                                    for j in n..<ldc where actual[i * ldc + j] != initial[i * ldc + j] {
                                        Issue.record("\(context): padding C[\(i), \(j)] was overwritten")
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The int8 path sums integers exactly and finishes every output with the same fp32 steps,
    /// so its bits must not depend on the level, the pool, or which other rows share the call.
    @Test(arguments: [37, 64, 96, 800])
    func int8_bitIdentical_acrossLevelsPoolsAndRowCounts(k: Int) {
        var rng = SplitMix64(seed: UInt64(k))
        let m = 41, n = 70  // past the packed-panel threshold (32 rows), ragged panels and tiles
        let a = Self.activations(m: m, k: k, lda: k, rng: &rng)
        let weight = LinearCase(format: .int8, sourceLayout: .outputMajor).weight(rng.floats(k * n), k: k, n: n)
        let bias = rng.floats(n)
        let zeros = [Float](repeating: 0, count: m * n)
        let reference = fastLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                   pool: nil, isa: .portable)
        for isa in LinearISA.supported {
            for pool in testPools() {
                let batch = fastLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                       pool: pool, isa: isa)
                #expect(batch.map(\.bitPattern) == reference.map(\.bitPattern), "\(isa) threads=\(pool?.threadCount ?? 0)")
            }
            for i in 0..<m {
                let single = fastLinear(Array(a[(i * k)..<(i * k + k)]), lda: k, weight: weight, bias: bias,
                                        c: [Float](repeating: 0, count: n), ldc: n, m: 1, accumulate: false, pool: nil, isa: isa)
                #expect(single.map(\.bitPattern) == reference[(i * n)..<(i * n + n)].map(\.bitPattern), "\(isa) row \(i) alone")
            }
        }
    }

    /// GPT-2 124M's shapes (m = 1 and 8, with a 2-thread pool) for every format, on a slice of
    /// the LM head's vocabulary so the naive reference stays quick.
    @Test(arguments: LinearCase.all)
    func linear_gpt2Shapes_matchNaive(testCase: LinearCase) {
        let pool = ThreadPool(threadCount: 2)
        for (m, k, n) in [(1, 768, 2304), (1, 3072, 768), (8, 768, 3072), (1, 768, 1001)] {
            var rng = SplitMix64(seed: UInt64(m * 31 + k * 7 + n))
            let a = rng.floats(m * k), bias = rng.floats(n)
            let weight = testCase.weight(rng.floats(k * n).map { $0 * 0.05 }, k: k, n: n)
            let zeros = [Float](repeating: 0, count: m * n)
            let expected = naiveLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false)
            let bound = linearErrorBound(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false)
            let actual = fastLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                    pool: pool, isa: .detected)
            expectClose(actual, expected, relative: 1, absolute: 0, scale: bound, "\(testCase.testDescription) m=\(m) k=\(k) n=\(n)")
        }
    }

    /// A zero-width weight writes the bias (or keeps C when accumulating).
    @Test(arguments: LinearCase.all)
    func linear_zeroDepth_writesBiasOrKeepsC(testCase: LinearCase) {
        let weight = testCase.weight([], k: 0, n: 2)
        for isa in LinearISA.supported {
            let plain = fastLinear([0], lda: 1, weight: weight, bias: [10, 20], c: [1, 2, 3, 4], ldc: 2, m: 2,
                                   accumulate: false, pool: nil, isa: isa)
            let summed = fastLinear([0], lda: 1, weight: weight, bias: [10, 20], c: [1, 2, 3, 4], ldc: 2, m: 2,
                                    accumulate: true, pool: nil, isa: isa)
            #expect(plain == [10, 20, 10, 20])
            #expect(summed == [11, 22, 13, 24])
        }
    }

    /// A non-finite activation poisons its own row (NaN) and no other, on the quantized paths.
    @Test(arguments: [WeightMatrix.Format.int8, .q4])
    func quantizedLinear_nonFiniteActivation_givesNaNInItsRowOnly(format: WeightMatrix.Format) {
        var rng = SplitMix64(seed: 7)
        let k = 64, n = 5
        var a = rng.floats(2 * k)
        a[k + 3] = .infinity
        let weight = LinearCase(format: format, sourceLayout: .outputMajor).weight(rng.floats(k * n), k: k, n: n)
        for isa in LinearISA.supported {
            let c = fastLinear(a, lda: k, weight: weight, bias: nil, c: [Float](repeating: 0, count: 2 * n), ldc: n, m: 2,
                               accumulate: false, pool: nil, isa: isa)
            let firstFinite = c[0..<n].allSatisfy { $0.isFinite }, secondNaN = c[n...].allSatisfy { $0.isNaN }
            #expect(firstFinite, "\(isa)")
            #expect(secondNaN, "\(isa)")
        }
    }
}
