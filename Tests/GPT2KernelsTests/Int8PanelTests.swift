import GPT2Kernels
import Testing

/// int8 weights in the `inputPanels` layout: the packing (`WeightMatrix.int8Position`), its
/// inverse, and `Kernels.linear` giving the same bits as the output-major layout at every level,
/// pool and row count (the integer sums are exact and every path finishes them in the same fp32
/// steps).
struct Int8PanelTests {
    /// An int8 weight of random values, output-major.
    static func int8Weight(k: Int, n: Int, rng: inout SplitMix64) -> WeightMatrix {
        rng.floats(k * n).withUnsafeBufferPointer { pointer in
            Quantizer.quantize(WeightMatrix(f32: pointer.baseAddress!, layout: .outputMajor, inputs: k, outputs: n, owner: nil),
                               to: .int8)
        }
    }

    static func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    @Test(arguments: [(2, 16), (6, 17), (32, 33), (96, 48), (10, 5)])
    func packing_keepsEveryElement_atItsDocumentedPlace_andUnpacks(k: Int, n: Int) {
        var rng = SplitMix64(seed: UInt64(k * 131 + n))
        let plain = Self.int8Weight(k: k, n: n, rng: &rng)
        let panels = plain.packedIntoPanels()
        #expect(panels.layout == .inputPanels && panels.dataByteCount == plain.dataByteCount)
        #expect(Self.bytes(panels.scales, panels.scalesByteCount) == Self.bytes(plain.scales, plain.scalesByteCount))
        let data = panels.data.assumingMemoryBound(to: Int8.self)
        let whole = n - n % 16
        for j in 0..<n {
            for p in 0..<k {
                #expect(NaiveKernels.weightValue(panels, input: p, output: j) == NaiveKernels.weightValue(plain, input: p, output: j))
                // The layout written out by hand: panel, pair of inputs, half of the panel, row, element of the pair.
                let r = j % 16
                let place = j < whole ? (j / 16) * 16 * k + 32 * (p / 2) + 16 * (r / 8) + 2 * (r % 8) + p % 2 : j * k + p
                #expect(data[place] == plain.data.load(fromByteOffset: j * k + p, as: Int8.self), "element (\(p), \(j))")
            }
        }
        let back = panels.inFileLayout()
        #expect(back.layout == .outputMajor)
        #expect(Self.bytes(back.data, back.dataByteCount) == Self.bytes(plain.data, plain.dataByteCount))
        #expect(Self.bytes(back.scales, back.scalesByteCount) == Self.bytes(plain.scales, plain.scalesByteCount))
        // int8 to int8 only rearranges, in either direction.
        let again = Quantizer.quantize(panels, to: .int8, layout: .inputPanels)
        #expect(Self.bytes(again.data, again.dataByteCount) == Self.bytes(panels.data, panels.dataByteCount))
        let plainAgain = Quantizer.quantize(panels, to: .int8)
        #expect(Self.bytes(plainAgain.data, plainAgain.dataByteCount) == Self.bytes(plain.data, plain.dataByteCount))
    }

    @Test func oddDepth_cannotUsePanels() {
        #expect(!WeightMatrix.canUsePanels(format: .int8, inputs: 37, outputs: 64))
        #expect(WeightMatrix.canUsePanels(format: .int8, inputs: 38, outputs: 5))
    }

    @Test(arguments: [2, 96, 800])
    func linear_bitIdentical_acrossLayoutsLevelsPoolsAndRowCounts(k: Int) {
        var rng = SplitMix64(seed: UInt64(k))
        let m = 15, n = 70  // panels, a partial last panel (6 outputs), tiles of 6 rows and a ragged one
        let a = LinearTests.activations(m: m, k: k, lda: k, rng: &rng)
        let plain = Self.int8Weight(k: k, n: n, rng: &rng)
        let panels = plain.packedIntoPanels()
        let bias = rng.floats(n)
        let zeros = [Float](repeating: 0, count: m * n)
        let reference = fastLinear(a, lda: k, weight: plain, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                   pool: nil, isa: .portable)
        for isa in LinearISA.supported {
            for weight in [plain, panels] {
                for pool in testPools() {
                    let batch = fastLinear(a, lda: k, weight: weight, bias: bias, c: zeros, ldc: n, m: m, accumulate: false,
                                           pool: pool, isa: isa)
                    #expect(batch.map(\.bitPattern) == reference.map(\.bitPattern),
                            "\(isa) \(weight.layout) threads=\(pool?.threadCount ?? 0)")
                }
                for i in [0, 2, m - 1] {
                    let single = fastLinear(Array(a[(i * k)..<(i * k + k)]), lda: k, weight: weight, bias: bias,
                                            c: [Float](repeating: 0, count: n), ldc: n, m: 1, accumulate: false, pool: nil, isa: isa)
                    #expect(single.map(\.bitPattern) == reference[(i * n)..<(i * n + n)].map(\.bitPattern),
                            "\(isa) \(weight.layout) row \(i) alone")
                }
            }
        }
    }
}
