import Foundation
import GPT2Kernels
import Testing

/// `Kernels.matmul` against `NaiveKernels.matmul` (double accumulation). Tolerance: 1e-5 of
/// `sum_p |a_ip b_pj| + |bias_j| + |c_ij|`, the scale float rounding error grows with.
struct MatmulTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var testDescription: String { "m=\(m) n=\(n) k=\(k)" }
    }

    static let shapes: [Shape] = [
        Shape(m: 1, n: 1, k: 1), Shape(m: 1, n: 3, k: 7), Shape(m: 1, n: 131, k: 100),
        Shape(m: 1, n: 200, k: 33), Shape(m: 2, n: 17, k: 131), Shape(m: 3, n: 100, k: 17),
        Shape(m: 4, n: 33, k: 7), Shape(m: 5, n: 17, k: 33), Shape(m: 7, n: 131, k: 100),
        Shape(m: 13, n: 3, k: 1), Shape(m: 17, n: 33, k: 131), Shape(m: 33, n: 100, k: 7),
        Shape(m: 37, n: 200, k: 300), Shape(m: 7, n: 50, k: 1100), Shape(m: 2, n: 70, k: 1100),
        Shape(m: 100, n: 17, k: 3),
        // Large enough that every path splits its weight over several threads' items.
        Shape(m: 1, n: 300, k: 1100), Shape(m: 2, n: 257, k: 700), Shape(m: 9, n: 400, k: 100),
        Shape(m: 6, n: 300, k: 50), Shape(m: 24, n: 130, k: 600), Shape(m: 25, n: 97, k: 260),
        Shape(m: 128, n: 40, k: 300),
    ]

    @Test(arguments: shapes)
    func matmul_matchesNaive_allLayoutsAndFlags(shape: Shape) {
        var rng = SplitMix64(seed: UInt64(shape.m * 1_000_003 + shape.n * 1_009 + shape.k))
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let lda = k + 3, ldc = n + 2
        let a = rng.floats(m * lda)
        let bias = rng.floats(n)
        let initial = rng.floats(m * ldc)
        let pools = testPools()
        for transposedB in [false, true] {
            let ldb = (transposedB ? k : n) + 5
            let b = rng.floats((transposedB ? n : k) * ldb)
            for useBias in [false, true] {
                for accumulate in [false, true] {
                    var expected = initial
                    var scale = initial.map { accumulate ? abs($0) : 0 }
                    let absA = a.map(abs), absB = b.map(abs), absBias = bias.map(abs)
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                        bias.withUnsafeBufferPointer { pbias in expected.withUnsafeMutableBufferPointer { pc in
                            NaiveKernels.matmul(a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                                                bias: useBias ? pbias.baseAddress! : nil, c: pc.baseAddress!, ldc: ldc,
                                                m: m, n: n, k: k, accumulate: accumulate)
                        } }
                    } }
                    absA.withUnsafeBufferPointer { pa in absB.withUnsafeBufferPointer { pb in
                        absBias.withUnsafeBufferPointer { pbias in scale.withUnsafeMutableBufferPointer { pc in
                            NaiveKernels.matmul(a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                                                bias: useBias ? pbias.baseAddress! : nil, c: pc.baseAddress!, ldc: ldc,
                                                m: m, n: n, k: k, accumulate: true)
                        } }
                    } }
                    for pool in pools {
                        var actual = initial
                        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                            bias.withUnsafeBufferPointer { pbias in actual.withUnsafeMutableBufferPointer { pc in
                                Kernels.matmul(a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                                               bias: useBias ? pbias.baseAddress! : nil, c: pc.baseAddress!, ldc: ldc,
                                               m: m, n: n, k: k, accumulate: accumulate, pool: pool)
                            } }
                        } }
                        let context = "\(shape.testDescription) transposedB=\(transposedB) bias=\(useBias) accumulate=\(accumulate) threads=\(pool?.threadCount ?? 0)"
                        expectClose(actual, expected, relative: 1e-5, absolute: 0, scale: scale, context)
                        // The padding between rows of C must be untouched.
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

    /// With one pool, a call gives the same bits whichever thread picks up which piece of work
    /// (a sum grouped by thread would change with scheduling, and with it greedy output): a call
    /// made while the pool is busy runs every piece on the calling thread, and must agree with
    /// a normal call bit for bit.
    @Test(arguments: [(1, 768, 300, false), (7, 768, 300, false), (7, 300, 768, false), (40, 96, 100, false),
                      (3, 64, 500, true), (9, 64, 500, true)])
    func matmul_sameBitsWhicheverThreadRunsAPiece(m: Int, k: Int, n: Int, transposedB: Bool) {
        var rng = SplitMix64(seed: UInt64(m * 7 + k + n))
        let a = rng.floats(m * k), b = rng.floats(k * n)
        let pool = ThreadPool(threadCount: 2)
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                Kernels.matmul(a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposedB ? k : n, transposedB: transposedB,
                               bias: nil, c: pc.baseAddress!, ldc: n, m: m, n: n, k: k, pool: pool)
            } } }
            return c
        }
        let normal = product()
        let inline = UnsafeMutablePointer<[Float]>.allocate(capacity: 1)
        defer { inline.deinitialize(count: 1); inline.deallocate() }
        inline.initialize(to: [])
        pool.parallelFor(2) { item in if item == 0 { inline.pointee = product() } }
        #expect(inline.pointee.map(\.bitPattern) == normal.map(\.bitPattern))
        #expect(product().map(\.bitPattern) == normal.map(\.bitPattern))
    }

    @Test
    func matmul_zeroDepth_writesBiasOrKeepsC() {
        var c: [Float] = [1, 2, 3, 4]
        let bias: [Float] = [10, 20]
        let empty: [Float] = [0]
        empty.withUnsafeBufferPointer { e in bias.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            Kernels.matmul(a: e.baseAddress!, lda: 1, b: e.baseAddress!, ldb: 1, transposedB: false, bias: pb.baseAddress!,
                           c: pc.baseAddress!, ldc: 2, m: 2, n: 2, k: 0, accumulate: true, pool: nil)
        } } }
        #expect(c == [11, 22, 13, 24])
    }

    /// GPT-2 124M's decode and prompt shapes, on a slice of the real widths so the naive
    /// reference stays quick: m = 1 and 8, the tied lm_head layout with a ragged vocabulary.
    @Test(arguments: [(1, 768, 2304, false), (8, 768, 3072, false), (1, 3072, 768, false),
                      (1, 768, 1001, true), (8, 768, 1001, true), (64, 768, 301, true), (64, 768, 304, false)])
    func matmul_gpt2Shapes_matchNaive(m: Int, k: Int, n: Int, transposedB: Bool) {
        var rng = SplitMix64(seed: UInt64(m * 7 + k * 13 + n))
        let a = rng.floats(m * k), b = rng.floats(n * k), bias = rng.floats(n)
        var expected = [Float](repeating: 0, count: m * n)
        var scale = expected
        let ldb = transposedB ? k : n
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in bias.withUnsafeBufferPointer { pbias in
            expected.withUnsafeMutableBufferPointer { pc in
                NaiveKernels.matmul(a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                                    bias: pbias.baseAddress!, c: pc.baseAddress!, ldc: n, m: m, n: n, k: k)
            }
        } } }
        let absA = a.map(abs), absB = b.map(abs), absBias = bias.map(abs)
        absA.withUnsafeBufferPointer { pa in absB.withUnsafeBufferPointer { pb in absBias.withUnsafeBufferPointer { pbias in
            scale.withUnsafeMutableBufferPointer { pc in
                NaiveKernels.matmul(a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                                    bias: pbias.baseAddress!, c: pc.baseAddress!, ldc: n, m: m, n: n, k: k)
            }
        } } }
        let pool = ThreadPool(threadCount: 2)
        var actual = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in bias.withUnsafeBufferPointer { pbias in
            actual.withUnsafeMutableBufferPointer { pc in
                Kernels.matmul(a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: ldb, transposedB: transposedB,
                               bias: pbias.baseAddress!, c: pc.baseAddress!, ldc: n, m: m, n: n, k: k, pool: pool)
            }
        } } }
        expectClose(actual, expected, relative: 1e-5, absolute: 0, scale: scale, "m=\(m) k=\(k) n=\(n) transposedB=\(transposedB)")
    }
}
