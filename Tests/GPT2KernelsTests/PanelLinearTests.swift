import GPT2Kernels
import Testing

/// fp32, fp16 and bf16 weights in the `inputPanels` layout: the packing itself, the element addressing the
/// naive reference uses, conversions out of it, and `Kernels.linear` on both of its paths
/// (panels streamed for few rows, 6x16 tiles for many) against `NaiveKernels.linear`.
struct PanelLinearTests {
    // Past 16 rows the tiles: 17, 19, 20, 21, 24 and 64 end in each kind of tail (5, 4+3, 4+4,
    // 5+4, none, 4).
    static let rowCounts = [1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17, 19, 20, 21, 24, 64]

    static let formats: [WeightMatrix.Format] = [.f32, .f16, .bf16]

    /// `values` ([k, n] row-major) as a panel weight in `format`, with the inputMajor weight it
    /// came from (in the same format).
    static func panelWeight(_ values: [Float], k: Int, n: Int, format: WeightMatrix.Format = .f32)
        -> (panels: WeightMatrix, plain: WeightMatrix) {
        let plain = values.withUnsafeBufferPointer { pointer in
            Quantizer.quantize(WeightMatrix(f32: pointer.baseAddress!, layout: .inputMajor, inputs: k, outputs: n, owner: nil),
                               to: format)
        }
        return (plain.packedIntoPanels(), plain)
    }

    @Test func packing_placesEveryElement_andUnpackingRestoresIt() {
        var rng = SplitMix64(seed: 7)
        for (k, n) in [(1, 16), (3, 32), (37, 48), (300, 112)] {
            let values = rng.floats(k * n)
            let (panels, _) = Self.panelWeight(values, k: k, n: n)
            #expect(panels.layout == .inputPanels)
            let stored = UnsafeBufferPointer(start: panels.data.assumingMemoryBound(to: Float.self), count: k * n)
            for p in 0..<k {
                for j in 0..<n {
                    let expected = values[p * n + j]
                    #expect(stored[((j / 16) * k + p) * 16 + j % 16] == expected)
                    #expect(NaiveKernels.weightValue(panels, input: p, output: j) == expected)
                }
            }
            let back = panels.inFileLayout()
            #expect(back.layout == .inputMajor)
            #expect(Array(UnsafeBufferPointer(start: back.data.assumingMemoryBound(to: Float.self), count: k * n)) == values)
            // 16-bit panels hold the same elements as their [k, n] source, and unpack to it.
            for format in [WeightMatrix.Format.f16, .bf16] {
                let (half, plain) = Self.panelWeight(values, k: k, n: n, format: format)
                for p in 0..<k {
                    for j in 0..<n {
                        #expect(NaiveKernels.weightValue(half, input: p, output: j) == NaiveKernels.weightValue(plain, input: p, output: j))
                    }
                }
                let unpacked = half.inFileLayout()
                #expect(Array(UnsafeRawBufferPointer(start: unpacked.data, count: unpacked.dataByteCount))
                        == Array(UnsafeRawBufferPointer(start: plain.data, count: plain.dataByteCount)), "\(format)")
            }
        }
    }

    @Test func quantizing_fromPanels_equalsQuantizingTheSameWeightInputMajor() {
        var rng = SplitMix64(seed: 11)
        let (k, n) = (64, 48)
        let (panels, plain) = Self.panelWeight(rng.floats(k * n), k: k, n: n)
        for format in WeightMatrix.Format.allCases {
            let a = Quantizer.quantize(panels, to: format), b = Quantizer.quantize(plain, to: format)
            #expect(a.layout == b.layout, "\(format)")
            #expect(Array(UnsafeRawBufferPointer(start: a.data, count: a.dataByteCount))
                    == Array(UnsafeRawBufferPointer(start: b.data, count: b.dataByteCount)), "\(format)")
        }
        let repacked = Quantizer.quantize(plain, to: .f32, layout: .inputPanels)
        #expect(repacked.layout == .inputPanels)
        #expect(Array(UnsafeRawBufferPointer(start: repacked.data, count: repacked.dataByteCount))
                == Array(UnsafeRawBufferPointer(start: panels.data, count: panels.dataByteCount)))
    }

    @Test(arguments: formats, rowCounts)
    func linear_matchesNaive_everyPoolAndFlag(format: WeightMatrix.Format, m: Int) {
        for n in [16, 48, 112] {
            for k in [1, 7, 37, 256, 300] {
                var rng = SplitMix64(seed: UInt64(m * 1_000_003 + n * 1_009 + k))
                let lda = k + 3, ldc = n + 2
                let a = LinearTests.activations(m: m, k: k, lda: lda, rng: &rng)
                let (weight, _) = Self.panelWeight(rng.floats(k * n), k: k, n: n, format: format)
                let bias = rng.floats(n)
                let initial = rng.floats(m * ldc)
                let bound = linearErrorBound(a, lda: lda, weight: weight, bias: bias, c: initial, ldc: ldc, m: m, accumulate: true)
                for useBias in [false, true] {
                    for accumulate in [false, true] {
                        let b = useBias ? bias : nil
                        let expected = naiveLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m, accumulate: accumulate)
                        // AVX-512 levels run the C tiles for many rows; the others the Swift tiles.
                        for isa in LinearISA.supported {
                            for pool in testPools() {
                                let actual = fastLinear(a, lda: lda, weight: weight, bias: b, c: initial, ldc: ldc, m: m,
                                                        accumulate: accumulate, pool: pool, isa: isa)
                                let context = "\(format) panels m=\(m) n=\(n) k=\(k) bias=\(useBias) accumulate=\(accumulate) \(isa) threads=\(pool?.threadCount ?? 0)"
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

    /// GPT-2 124M's shapes: one token, a batch of 8, and a 128-token prompt.
    @Test(arguments: formats)
    func linear_gpt2Shapes_matchNaive(format: WeightMatrix.Format) {
        let pool = ThreadPool(threadCount: 2)
        for (m, k, n) in [(1, 768, 2304), (2, 3072, 768), (8, 768, 3072), (128, 768, 768)] {
            var rng = SplitMix64(seed: UInt64(m * 31 + k * 7 + n))
            let a = rng.floats(m * k), bias = rng.floats(n)
            let (weight, _) = Self.panelWeight(rng.floats(k * n).map { $0 * 0.05 }, k: k, n: n, format: format)
            let zeros = [Float](repeating: 0, count: m * n)
            let expected = naiveLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false)
            let bound = linearErrorBound(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false)
            for isa in LinearISA.supported {
                let actual = fastLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                        pool: pool, isa: isa)
                expectClose(actual, expected, relative: 1, absolute: 0, scale: bound, "\(format) panels m=\(m) k=\(k) n=\(n) \(isa)")
            }
        }
    }
}
