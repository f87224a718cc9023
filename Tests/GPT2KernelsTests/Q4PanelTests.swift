import GPT2Kernels
import Testing

/// q4 weights in the `inputPanels` layout: the packing (`WeightMatrix.q4Position`), its inverse,
/// and `Kernels.linear` giving the same bits as the output-major layout at every level, pool and
/// row count (the integer block sums are exact and every path finishes them in the same fp32 steps).
struct Q4PanelTests {
    /// A q4 weight of random values, output-major.
    static func q4Weight(k: Int, n: Int, rng: inout SplitMix64) -> WeightMatrix {
        rng.floats(k * n).withUnsafeBufferPointer { pointer in
            Quantizer.quantize(WeightMatrix(f32: pointer.baseAddress!, layout: .outputMajor, inputs: k, outputs: n, owner: nil),
                               to: .q4)
        }
    }

    static func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    @Test(arguments: [(32, 16), (64, 17), (96, 33), (256, 48), (32, 5)])
    func packing_keepsEveryElement_atItsDocumentedPlace_andUnpacks(k: Int, n: Int) {
        var rng = SplitMix64(seed: UInt64(k * 131 + n))
        let plain = Self.q4Weight(k: k, n: n, rng: &rng)
        let panels = plain.packedIntoPanels()
        #expect(panels.layout == .inputPanels && panels.dataByteCount == plain.dataByteCount)
        let data = panels.data.assumingMemoryBound(to: UInt8.self)
        let scales = panels.scales!.assumingMemoryBound(to: UInt16.self)
        let plainScales = plain.scales!.assumingMemoryBound(to: UInt16.self)
        let blocks = k / 32, whole = n - n % 16
        for j in 0..<n {
            for p in 0..<k {
                #expect(NaiveKernels.weightValue(panels, input: p, output: j) == NaiveKernels.weightValue(plain, input: p, output: j))
                let byte = plain.data.load(fromByteOffset: j * k / 2 + p / 2, as: UInt8.self)
                let code = p % 2 == 0 ? byte & 0x0F : byte >> 4
                // The layout written out by hand: panel, chunk of 8 elements, row, nibble.
                let place = j < whole ? (j / 16) * 16 * k / 2 + 64 * (p / 8) + 4 * (j % 16) + p % 4 : j * k / 2 + p / 2
                let high = j < whole ? p % 8 >= 4 : p % 2 == 1
                #expect((high ? data[place] >> 4 : data[place] & 0x0F) == code, "element (\(p), \(j))")
            }
            for b in 0..<blocks {
                let place = j < whole ? ((j / 16) * blocks + b) * 16 + j % 16 : j * blocks + b
                #expect(scales[place] == plainScales[j * blocks + b])
            }
        }
        let back = panels.inFileLayout()
        #expect(back.layout == .outputMajor)
        #expect(Self.bytes(back.data, back.dataByteCount) == Self.bytes(plain.data, plain.dataByteCount))
        #expect(Self.bytes(back.scales, back.scalesByteCount) == Self.bytes(plain.scales, plain.scalesByteCount))
        // q4 to q4 only rearranges, in either direction.
        let again = Quantizer.quantize(panels, to: .q4, layout: .inputPanels)
        #expect(Self.bytes(again.data, again.dataByteCount) == Self.bytes(panels.data, panels.dataByteCount))
        let plainAgain = Quantizer.quantize(panels, to: .q4)
        #expect(Self.bytes(plainAgain.scales, plainAgain.scalesByteCount) == Self.bytes(plain.scales, plain.scalesByteCount))
    }

    @Test(arguments: [32, 96, 800])
    func linear_bitIdentical_acrossLayoutsLevelsPoolsAndRowCounts(k: Int) {
        var rng = SplitMix64(seed: UInt64(k))
        let m = 11, n = 70  // panels, a partial last panel (6 outputs), tiles of 4 rows and a ragged one
        let a = LinearTests.activations(m: m, k: k, lda: k, rng: &rng)
        let plain = Self.q4Weight(k: k, n: n, rng: &rng)
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
