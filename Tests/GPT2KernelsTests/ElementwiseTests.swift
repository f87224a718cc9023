import GPT2Kernels
import Testing

/// GELU, residual add, softmax and log-softmax against `NaiveKernels` (double precision).
struct ElementwiseTests {
    static let counts = [1, 5, 15, 16, 17, 31, 32, 33, 100, 3072, 50257]

    /// Inputs over GPT-2's activation range plus the awkward values.
    static func geluInputs(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var x = rng.floats(count, in: -12...12)
        let specials: [Float] = [0, -0.0, 1e-30, -1e-30, 3, -3, 1e4, -1e4, 1e20, -1e20, .infinity, -.infinity]
        for (i, s) in specials.enumerated() where i < count { x[i] = s }
        return x
    }

    /// Tolerance: 2e-6 relative (a few float ulp from the polynomial exp and the division);
    /// 1e-5 relative below x = -3, where the float rounding of u is amplified by |2u| (up to 88)
    /// in e^(-2u); plus 1e-30 absolute, for the far tail whose true values are below 1e-30.
    @Test(arguments: counts)
    func geluTanh_matchesNaive(count: Int) {
        let input = Self.geluInputs(count, seed: UInt64(count))
        var expected = input
        expected.withUnsafeMutableBufferPointer { NaiveKernels.geluTanh($0.baseAddress!, count: count) }
        for pool in testPools() {
            var actual = input
            actual.withUnsafeMutableBufferPointer { Kernels.geluTanh($0.baseAddress!, count: count, pool: pool) }
            let scale = (0..<count).map { input[$0] < -3 ? 5 * expected[$0] : expected[$0] }
            expectClose(actual, expected, relative: 2e-6, absolute: 1e-30, scale: scale,
                        "gelu count=\(count) threads=\(pool?.threadCount ?? 0)")
        }
    }

    @Test
    func geluTanh_knownValues() {
        // 0.5 x (1 + tanh(0.7978845608 (x + 0.044715 x^3))), evaluated in double.
        var x: [Float] = [1, -1, 0.5, 2, .nan]
        x.withUnsafeMutableBufferPointer { Kernels.geluTanh($0.baseAddress!, count: 5) }
        #expect(abs(x[0] - 0.841_191_990_2) < 1e-6)
        #expect(abs(x[1] - -0.158_808_009_8) < 1e-6)
        #expect(abs(x[2] - 0.345_714_169_7) < 1e-6)
        #expect(abs(x[3] - 1.954_597_694_1) < 1e-6)
        #expect(x[4].isNaN)
    }

    /// Float addition is correctly rounded either way: the results must be identical.
    @Test(arguments: counts)
    func add_isExact(count: Int) {
        var rng = SplitMix64(seed: 77 &+ UInt64(count))
        let x = rng.floats(count), y = rng.floats(count)
        var expected = y, actual = y
        x.withUnsafeBufferPointer { px in
            expected.withUnsafeMutableBufferPointer { NaiveKernels.add(px.baseAddress!, into: $0.baseAddress!, count: count) }
            actual.withUnsafeMutableBufferPointer { Kernels.add(px.baseAddress!, into: $0.baseAddress!, count: count) }
        }
        #expect(actual == expected)
    }

    static func softmaxInputs(_ count: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        let spread = rng.floats(count, in: -8...8)
        let logits = rng.floats(count, in: -30...30).map { $0 + 1000 }   // large offset: needs the max shift
        let flat = [Float](repeating: 0.25, count: count)
        var peaked = rng.floats(count, in: -100...0)
        peaked[count / 2] = 50
        return [spread, logits, flat, peaked]
    }

    /// Tolerance: 1e-5 relative plus 1e-12 absolute for probabilities that underflow.
    @Test(arguments: counts)
    func softmax_matchesNaive(count: Int) {
        for (index, input) in Self.softmaxInputs(count, seed: UInt64(count) * 3).enumerated() {
            var expected = input, actual = input
            expected.withUnsafeMutableBufferPointer { NaiveKernels.softmax($0.baseAddress!, count: count) }
            actual.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: count) }
            expectClose(actual, expected, relative: 1e-5, absolute: 1e-12, "softmax count=\(count) input=\(index)")
            let total = actual.reduce(0.0) { $0 + Double($1) }
            #expect(abs(total - 1) < 1e-4, "softmax count=\(count) input=\(index) sums to \(total)")
        }
    }

    /// Tolerance: 1e-5 of max(1, |value|): the subtraction x - max - log(sum) rounds at the
    /// scale of its operands.
    @Test(arguments: counts)
    func logSoftmax_matchesNaive(count: Int) {
        for (index, input) in Self.softmaxInputs(count, seed: UInt64(count) * 5).enumerated() {
            var expected = input, actual = input
            expected.withUnsafeMutableBufferPointer { NaiveKernels.logSoftmax($0.baseAddress!, count: count) }
            actual.withUnsafeMutableBufferPointer { Kernels.logSoftmax($0.baseAddress!, count: count) }
            expectClose(actual, expected, relative: 1e-5, absolute: 1e-5, "logSoftmax count=\(count) input=\(index)")
        }
    }

    @Test
    func softmax_ofOneElementIsOne() {
        var x: [Float] = [-123.5]
        x.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: 1) }
        #expect(x == [1])
        var y: [Float] = [42]
        y.withUnsafeMutableBufferPointer { Kernels.logSoftmax($0.baseAddress!, count: 1) }
        #expect(y == [0])
    }
}
