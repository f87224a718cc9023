import GPT2Kernels
import Testing

/// fp16 / bf16 <-> fp32 conversions: exhaustive over all 16-bit patterns, bit-exact against
/// `NaiveKernels`, Swift's own `Float16` where available, and hand-checked edge cases
/// (subnormals, infinities, NaN, ties that must round to even).
struct ConversionTests {
    static let allPatterns: [UInt16] = (0...UInt16.max).map { $0 }

    static func toFloat(_ bits: [UInt16], bf16: Bool, naive: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: bits.count)
        bits.withUnsafeBytes { src in out.withUnsafeMutableBufferPointer { dst in
            switch (bf16, naive) {
            case (false, false): Kernels.convertF16toF32(src.baseAddress!, to: dst.baseAddress!, count: bits.count)
            case (true, false): Kernels.convertBF16toF32(src.baseAddress!, to: dst.baseAddress!, count: bits.count)
            case (false, true): NaiveKernels.convertF16toF32(src.baseAddress!, to: dst.baseAddress!, count: bits.count)
            case (true, true): NaiveKernels.convertBF16toF32(src.baseAddress!, to: dst.baseAddress!, count: bits.count)
            }
        } }
        return out
    }

    static func toHalf(_ values: [Float], bf16: Bool, naive: Bool) -> [UInt16] {
        var out = [UInt16](repeating: 0xDEAD, count: values.count)
        values.withUnsafeBufferPointer { src in out.withUnsafeMutableBytes { dst in
            switch (bf16, naive) {
            case (false, false): Kernels.convertF32toF16(src.baseAddress!, to: dst.baseAddress!, count: values.count)
            case (true, false): Kernels.convertF32toBF16(src.baseAddress!, to: dst.baseAddress!, count: values.count)
            case (false, true): NaiveKernels.convertF32toF16(src.baseAddress!, to: dst.baseAddress!, count: values.count)
            case (true, true): NaiveKernels.convertF32toBF16(src.baseAddress!, to: dst.baseAddress!, count: values.count)
            }
        } }
        return out
    }

    @Test(arguments: [false, true])
    func toF32_allPatterns_bitExactAgainstNaive(bf16: Bool) {
        let fast = Self.toFloat(Self.allPatterns, bf16: bf16, naive: false).map(\.bitPattern)
        let naive = Self.toFloat(Self.allPatterns, bf16: bf16, naive: true).map(\.bitPattern)
        let mismatches = (0..<fast.count).filter { fast[$0] != naive[$0] }
        #expect(mismatches.isEmpty, "first mismatch at pattern \(mismatches.first.map { String($0, radix: 16) } ?? "")")
    }

    @Test
    func f16ToF32_knownValues() {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00, 0x8000, 0x3555]
        let values = Self.toFloat(bits, bf16: false, naive: false)
        #expect(values[0] == 1)
        #expect(values[1] == -2)
        #expect(values[2] == 0x1p-24)
        #expect(values[3] == 1023 * 0x1p-24)
        #expect(values[4] == 0x1p-14)
        #expect(values[5] == 65504)
        #expect(values[6] == .infinity)
        #expect(values[7] == -.infinity)
        #expect(values[8] == 0 && values[8].sign == .minus)
        #expect(values[9] == 0.333_251_953_125)
        let nans = Self.toFloat([0x7E00, 0x7C01, 0xFE00], bf16: false, naive: false)
        #expect(nans[0].isNaN && nans[1].isNaN && nans[2].isNaN)
    }

    @Test(arguments: [false, true])
    func toHalf_roundTripsEveryNonNaNPattern(bf16: Bool) {
        let patterns = Self.allPatterns.filter { bits in
            let exponentAllOnes = bf16 ? (bits & 0x7F80) == 0x7F80 : (bits & 0x7C00) == 0x7C00
            let fraction = bf16 ? bits & 0x7F : bits & 0x3FF
            return !(exponentAllOnes && fraction != 0)
        }
        let back = Self.toHalf(Self.toFloat(patterns, bf16: bf16, naive: false), bf16: bf16, naive: false)
        let mismatches = (0..<patterns.count).filter { back[$0] != patterns[$0] }
        #expect(mismatches.isEmpty, "first mismatch: \(mismatches.first.map { String(patterns[$0], radix: 16) } ?? "")")
    }

    /// Exactly halfway between two neighbours rounds to the even one; a hair either side rounds
    /// to the nearer one. Covers subnormal and normal binades of both formats.
    @Test(arguments: [false, true])
    func toHalf_tiesRoundToEven(bf16: Bool) {
        let maxFinite: UInt16 = bf16 ? 0x7F7F : 0x7BFF
        var inputs: [Float] = [], expected: [UInt16] = []
        for low in stride(from: UInt16(0), to: maxFinite, by: 37) {
            let f = Self.toFloat([low, low + 1], bf16: bf16, naive: true)
            let mid = f[0] + (f[1] - f[0]) / 2   // exact in fp32, no overflow at the top
            let even = low % 2 == 0 ? low : low + 1
            inputs += [mid, mid.nextDown, mid.nextUp, -mid]
            expected += [even, low, low + 1, even | 0x8000]
        }
        let actual = Self.toHalf(inputs, bf16: bf16, naive: false)
        let naive = Self.toHalf(inputs, bf16: bf16, naive: true)
        let mismatches = (0..<inputs.count).filter { actual[$0] != expected[$0] || naive[$0] != expected[$0] }
        #expect(mismatches.isEmpty, "first mismatch for input \(mismatches.first.map { inputs[$0] } ?? 0)")
    }

    @Test
    func f32ToF16_edgeCases() {
        let inputs: [Float] = [65504, 65519.99, 65520, 1e10, -1e10, .infinity, -.infinity, 0, -0.0,
                               0x1p-25, 0x1.0002p-25, 3 * 0x1p-25, 0x1p-26, 1e-8, 0x1p-14, 0x1.ffcp-15, .nan,
                               Float(bitPattern: 0x7F80_0001), .leastNonzeroMagnitude]
        let expected: [UInt16] = [0x7BFF, 0x7BFF, 0x7C00, 0x7C00, 0xFC00, 0x7C00, 0xFC00, 0x0000, 0x8000,
                                  0x0000, 0x0001, 0x0002, 0x0000, 0x0000, 0x0400, 0x0400]
        let actual = Self.toHalf(inputs, bf16: false, naive: false)
        #expect(Array(actual[0..<expected.count]) == expected)
        for nan in actual[expected.count..<(expected.count + 2)] {
            #expect(nan & 0x7C00 == 0x7C00 && nan & 0x3FF != 0, "NaN must stay NaN, got \(String(nan, radix: 16))")
        }
        #expect(actual.last == 0)
    }

    @Test
    func f32ToBF16_edgeCases() {
        let inputs: [Float] = [1, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001),
                               .greatestFiniteMagnitude, -.infinity, Float(bitPattern: 0x0000_8000), Float(bitPattern: 0x0001_8000),
                               .nan, Float(bitPattern: 0x7F80_0001)]
        let expected: [UInt16] = [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0x7F80, 0xFF80, 0x0000, 0x0002]
        let actual = Self.toHalf(inputs, bf16: true, naive: false)
        #expect(Array(actual[0..<expected.count]) == expected)
        for nan in actual[expected.count...] {
            #expect(nan & 0x7F80 == 0x7F80 && nan & 0x7F != 0, "NaN must stay NaN, got \(String(nan, radix: 16))")
        }
    }

    /// Random fp32 bit patterns of every magnitude, bit-exact against the naive encoder.
    @Test(arguments: [false, true])
    func toHalf_randomPatterns_bitExactAgainstNaive(bf16: Bool) {
        var rng = SplitMix64(seed: bf16 ? 16 : 61)
        let inputs = (0..<200_003).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        let fast = Self.toHalf(inputs, bf16: bf16, naive: false)
        let naive = Self.toHalf(inputs, bf16: bf16, naive: true)
        let mismatches = (0..<inputs.count).filter { fast[$0] != naive[$0] }
        #expect(mismatches.isEmpty, "first mismatch for bits \(mismatches.first.map { String(inputs[$0].bitPattern, radix: 16) } ?? "")")
    }

    #if !(os(macOS) && arch(x86_64))
    /// Swift's `Float16` conversion is correctly rounded: a third, independent reference.
    @Test
    func f32ToF16_agreesWithSwiftFloat16() {
        var rng = SplitMix64(seed: 1616)
        var inputs = (0..<100_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }.filter { !$0.isNaN }
        inputs += rng.floats(100_000, in: -70_000...70_000) + rng.floats(100_000, in: -1e-4...1e-4)
        let fast = Self.toHalf(inputs, bf16: false, naive: false)
        let swift = inputs.map { Float16($0).bitPattern }
        let mismatches = (0..<inputs.count).filter { fast[$0] != swift[$0] }
        #expect(mismatches.isEmpty, "first mismatch for \(mismatches.first.map { inputs[$0] } ?? 0)")
        let back = Self.toFloat(swift, bf16: false, naive: false)
        let backMismatches = (0..<swift.count).filter { back[$0].bitPattern != Float(Float16(bitPattern: swift[$0])).bitPattern }
        #expect(backMismatches.isEmpty)
    }
    #endif
}
