import GPT2Kernels
import Testing

/// Every route of `LinearRoute`, forced at every instruction-set level this CPU supports,
/// against `NaiveKernels.linear`: each route computes the shapes the table never gives it on
/// this machine too, so an AVX2 machine runs the loops that an AVX-512 machine picks for other
/// row counts (the C kernels are one source per operation, compiled per level).
struct LinearRouteTests {
    /// Rows of A: 1 to 13 (every tile remainder and each threshold of the table) and 128 (a prompt).
    static let rowCounts = Array(1...13) + [128]

    /// Formats and layouts that some route computes.
    static let storage: [(WeightMatrix.Format, WeightMatrix.Layout)] = [
        (.f32, .inputMajor), (.f32, .outputMajor), (.f32, .inputPanels),
        (.f16, .inputMajor), (.f16, .outputMajor), (.f16, .inputPanels),
        (.bf16, .outputMajor), (.bf16, .inputPanels),
        (.int8, .outputMajor), (.int8, .inputPanels), (.q4, .outputMajor), (.q4, .inputPanels),
    ]

    @Test func levels_areReportedAndConsistent() {
        let levels = LinearISA.supported.map(\.description).joined(separator: ", ")
        print("GPT2Kernels: this CPU's best level is \(LinearISA.detected); the kernel tests run at: \(levels)")
        #expect(LinearISA.supported.first == .portable)
        #expect(LinearISA.supported.last == LinearISA.detected)
    }

    /// Random weights of `format` in `layout`, from fp32 values stored [k, n].
    static func weight(_ format: WeightMatrix.Format, _ layout: WeightMatrix.Layout, k: Int, n: Int,
                       rng: inout SplitMix64) -> WeightMatrix {
        let values = rng.floats(k * n)
        return values.withUnsafeBufferPointer { pointer in
            let source = WeightMatrix(f32: pointer.baseAddress!, layout: .inputMajor, inputs: k, outputs: n, owner: nil)
            return Quantizer.quantize(source, to: format, layout: layout)
        }
    }

    /// A depth each format allows that is not a multiple of the vector width (q4 needs whole
    /// blocks of 32, int8 panels an even depth), and a width that is not a multiple of 64
    /// (16-bit and fp32 panels need whole panels of 16).
    static func shape(_ format: WeightMatrix.Format, _ layout: WeightMatrix.Layout) -> (k: Int, n: Int) {
        let k = format == .q4 ? 96 : (format == .int8 && layout == .inputPanels ? 38 : 37)
        let n = layout == .inputPanels && (format == .f32 || format == .f16 || format == .bf16) ? 80 : 83
        return (k, n)
    }

    @Test(arguments: LinearRoute.allCases)
    func route_matchesNaive_atEveryLevel(route: LinearRoute) {
        let pools: [ThreadPool?] = [nil, ThreadPool(threadCount: 2)]
        var ran = 0
        for (format, layout) in Self.storage where route.accepts(format: format, layout: layout) {
            let (k, n) = Self.shape(format, layout)
            for m in Self.rowCounts {
                var rng = SplitMix64(seed: UInt64(m * 7_919 + k * 31 + n))
                let lda = k + 1, ldc = n + 3
                let a = LinearTests.activations(m: m, k: k, lda: lda, rng: &rng)
                let weight = Self.weight(format, layout, k: k, n: n, rng: &rng)
                let bias = rng.floats(n), initial = rng.floats(m * ldc)
                let bound = linearErrorBound(a, lda: lda, weight: weight, bias: bias, c: initial, ldc: ldc, m: m,
                                             accumulate: true)
                for (useBias, accumulate) in [(false, false), (true, false), (false, true), (true, true)] {
                    let b = useBias ? bias : nil
                    let expected = naiveLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m,
                                               accumulate: accumulate)
                    for isa in LinearISA.supported where route.runs(at: isa) {
                        for pool in pools {
                            let actual = fastLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m,
                                                    accumulate: accumulate, pool: pool, isa: isa, route: route)
                            let context = "\(route) \(format) \(layout) m=\(m) k=\(k) n=\(n) bias=\(useBias) accumulate=\(accumulate) \(isa) threads=\(pool?.threadCount ?? 0)"
                            expectClose(actual, expected, relative: 1, absolute: 0, scale: bound, context)
                            for i in 0..<m {
                                for j in n..<ldc where actual[i * ldc + j] != initial[i * ldc + j] {
                                    Issue.record("\(context): padding C[\(i), \(j)] was overwritten")
                                }
                            }
                            ran += 1
                        }
                    }
                }
            }
        }
        #expect(ran > 0, "\(route) accepted no weight of the test's formats at any supported level")
    }

    /// The tied LM head's width (50257 outputs, not a multiple of 16) through the routes that
    /// take `[n, k]` weights, for one stream and a small batch.
    @Test(arguments: [LinearRoute.f32RowsC, .f32DotRows, .f32TransposedTiles, .halfRowsC, .int8RowsC, .q4C])
    func route_lmHeadWidth_matchesNaive(route: LinearRoute) {
        let pool = ThreadPool(threadCount: 2)
        let n = 50_257
        for (format, layout) in Self.storage where layout == .outputMajor && route.accepts(format: format, layout: layout) {
            let k = format == .q4 ? 32 : 16
            for m in [1, 5] {
                var rng = SplitMix64(seed: UInt64(m + k))
                let a = rng.floats(m * k)
                let weight = Self.weight(format, layout, k: k, n: n, rng: &rng)
                let zeros = [Float](repeating: 0, count: m * n)
                let expected = naiveLinear(a, lda: k, weight: weight, bias: nil, c: zeros, ldc: n, m: m, accumulate: false)
                let bound = linearErrorBound(a, lda: k, weight: weight, bias: nil, c: zeros, ldc: n, m: m, accumulate: false)
                for isa in LinearISA.supported where route.runs(at: isa) {
                    let actual = fastLinear(a, lda: k, weight: weight, bias: nil, c: zeros, ldc: n, m: m, accumulate: false,
                                            pool: pool, isa: isa, route: route)
                    expectClose(actual, expected, relative: 1, absolute: 0, scale: bound, "\(route) \(format) m=\(m) \(isa)")
                }
            }
        }
    }

    /// The table gives every format, layout, row count and level a route that takes it.
    @Test func table_choosesARouteThatRuns() {
        for (format, layout) in Self.storage {
            for m in Self.rowCounts + [16, 17, 24, 25] {
                for isa in LinearISA.allCases {
                    let route = LinearRoute.choose(format: format, layout: layout, rows: m, isa: isa)
                    #expect(route.accepts(format: format, layout: layout) && route.runs(at: isa),
                            "\(format) \(layout) m=\(m) \(isa) -> \(route)")
                }
            }
        }
    }
}
