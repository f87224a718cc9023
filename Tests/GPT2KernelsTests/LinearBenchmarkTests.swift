import Foundation
import GPT2Kernels
import Testing

/// Throughput of `Kernels.linear` on GPT-2 124M's shapes; not a test (no assertions, off unless
/// `GPT2_LINEAR_BENCH=1`). Run optimized, since the probe loops live in this file:
/// `GPT2_LINEAR_BENCH=1 swift test -c release --filter LinearBenchmark`.
/// Every call cycles through copies of the weight totalling >= 256 MB, so m = 1 reads DRAM as
/// decoding a whole model does. Prints GB/s of weight bytes and GFLOP/s (2 m n k per call).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GPT2_LINEAR_BENCH"] != nil), .serialized)
struct LinearBenchmarkTests {
    static let copiesBytes = 256 << 20
    /// (k, n, layout of the fp32 / fp16 source): c_attn, attn c_proj, c_fc, mlp c_proj, lm_head.
    static let shapes: [(String, Int, Int, WeightMatrix.Layout)] = [
        ("c_attn", 768, 2304, .inputMajor), ("attn.c_proj", 768, 768, .inputMajor), ("c_fc", 768, 3072, .inputMajor),
        ("mlp.c_proj", 3072, 768, .inputMajor), ("lm_head", 768, 50257, .outputMajor),
    ]

    /// Copies of `w` (storage owned by the returned arrays).
    static func copies(of w: WeightMatrix, count: Int) -> ([WeightMatrix], [UnsafeMutableRawPointer]) {
        var out: [WeightMatrix] = [], buffers: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let data = UnsafeMutableRawPointer.allocate(byteCount: w.dataByteCount, alignment: 64)
            data.copyMemory(from: w.data, byteCount: w.dataByteCount)
            buffers.append(data)
            var scales: UnsafeMutableRawPointer? = nil
            if let source = w.scales {
                scales = .allocate(byteCount: w.scalesByteCount, alignment: 64)
                scales!.copyMemory(from: source, byteCount: w.scalesByteCount)
                buffers.append(scales!)
            }
            out.append(WeightMatrix(format: w.format, layout: w.layout, inputs: w.inputs, outputs: w.outputs,
                                    data: UnsafeRawPointer(data), scales: scales.map { UnsafeRawPointer($0) }, owner: nil))
        }
        return (out, buffers)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Best time per call of `body` over `rounds` rounds of at least `minimum` seconds.
    static func timePerCall(rounds: Int = 3, minimum: Double = 0.25, _ body: (Int) -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            var calls = 0
            let elapsed = seconds {
                let start = ContinuousClock.now
                while true {
                    body(calls)
                    calls += 1
                    let d = ContinuousClock.now - start
                    if Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 >= minimum { break }
                }
            }
            best = min(best, elapsed / Double(calls))
        }
        return best
    }

    /// `w` in `format`, in the layout the model's loader gives such a weight (f32 [k, n] and q4
    /// in panels, fp16 / bf16 [k, n] too on AVX2 and AVX-512 CPUs; others as `Quantizer.quantize`
    /// writes them).
    static func loaded(_ w: WeightMatrix, as format: WeightMatrix.Format) -> WeightMatrix {
        if format == .q4 { return Quantizer.quantize(w, to: .q4, layout: .inputPanels) }
        let panels = w.layout == .inputMajor
            && WeightMatrix.canUsePanels(format: format, inputs: w.inputs, outputs: w.outputs)
        if panels && (format == .f32 || ((format == .f16 || format == .bf16) && LinearISA.detected >= .avx2)) {
            return Quantizer.quantize(w, to: format, layout: .inputPanels)
        }
        return Quantizer.quantize(w, to: format)
    }

    @Test
    func readBandwidth() {
        let count = 128 << 20  // 512 MB of floats
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        for threads in [1, 2] {
            let pool = ThreadPool(threadCount: threads)
            let sink = UnsafeMutablePointer<Float>.allocate(capacity: 16 * threads)
            let time = Self.timePerCall(rounds: 5, minimum: 0) { _ in
                pool.parallelFor(threads) { t in
                    let slice = count / threads
                    let base = UnsafeRawPointer(buffer + t * slice)
                    var s0 = SIMD16<Float>(), s1 = s0, s2 = s0, s3 = s0
                    var i = 0
                    while i < slice * 4 {
                        s0 += base.load(fromByteOffset: i, as: SIMD16<Float>.self)
                        s1 += base.load(fromByteOffset: i + 64, as: SIMD16<Float>.self)
                        s2 += base.load(fromByteOffset: i + 128, as: SIMD16<Float>.self)
                        s3 += base.load(fromByteOffset: i + 192, as: SIMD16<Float>.self)
                        i += 256
                    }
                    sink[t] = (s0 + s1 + s2 + s3).sum()
                }
            }
            print(String(format: "read bandwidth, %d thread(s): %.1f GB/s", threads, Double(count * 4) / time / 1e9))
            sink.deallocate()
        }
    }

    @Test
    func shapes() {
        let formats: [WeightMatrix.Format] = [.f32, .f16, .int8, .q4]
        let filter = ProcessInfo.processInfo.environment["GPT2_LINEAR_BENCH_FORMATS"].map { $0.split(separator: ",").map(String.init) }
        print("shape         k     n      format  m    threads  us/call   GB/s   GFLOP/s   (\(LinearISA.detected))")
        for (name, k, n, layout) in Self.shapes {
            var rng = SplitMix64(seed: UInt64(k * n))
            let source = rng.floats(k * n).map { $0 * 0.05 }
            for format in formats where filter?.contains(format.rawValue) ?? true {
                let weight = source.withUnsafeBufferPointer {
                    Self.loaded(WeightMatrix(f32: $0.baseAddress!, layout: layout, inputs: k, outputs: n, owner: nil), as: format)
                }
                let (weights, buffers) = Self.copies(of: weight, count: max(1, Self.copiesBytes / weight.byteCount))
                defer { buffers.forEach { $0.deallocate() } }
                for m in [1, 8, 128] {
                    let a = rng.floats(m * k)
                    var c = [Float](repeating: 0, count: m * n)
                    for threads in [1, 2] {
                        let pool = ThreadPool(threadCount: threads)
                        let time = a.withUnsafeBufferPointer { pa in c.withUnsafeMutableBufferPointer { pc in
                            Self.timePerCall(minimum: m == 128 ? 0.5 : 0.25) { call in
                                Kernels.linear(a: pa.baseAddress!, lda: k, weight: weights[call % weights.count], bias: nil,
                                               c: pc.baseAddress!, ldc: n, m: m, pool: pool)
                            }
                        } }
                        print(String(format: "%-12@ %5d %6d  %-6@ %4d %4d   %9.1f  %6.1f  %7.1f", name as NSString, k, n,
                                     format.rawValue as NSString, m, threads, time * 1e6,
                                     Double(weight.byteCount) / time / 1e9, 2 * Double(m * n * k) / time / 1e9))
                    }
                }
            }
        }
    }

    /// Rows of A that `gpt2Decode` measures: `GPT2_LINEAR_BENCH_ROWS` (e.g. "1,2,4"), else 1, 8, 128.
    static var rows: [Int] {
        ProcessInfo.processInfo.environment["GPT2_LINEAR_BENCH_ROWS"]?.split(separator: ",").compactMap { Int($0) } ?? [1, 8, 128]
    }

    /// All of GPT-2 124M's linear layers in decode order (12 blocks of 4, then the LM head, m rows),
    /// as tokens per second of the linear layers alone: one stream (m = 1), eight (m = 8), and a
    /// 128-token prompt (m = 128, LM head for the last row only).
    @Test
    func gpt2Decode() {
        let filter = ProcessInfo.processInfo.environment["GPT2_LINEAR_BENCH_FORMATS"].map { $0.split(separator: ",").map(String.init) }
        // f16 twice: blocks in the Conv1D layout [k, n] as loaded, and transposed to [n, k].
        let variants: [(WeightMatrix.Format, WeightMatrix.Layout?)] = [(.f32, nil), (.f16, nil), (.f16, .outputMajor), (.int8, nil), (.q4, nil),
                                                                       (.q4, .outputMajor)]
        for (format, blockLayout) in variants where filter?.contains(format.rawValue) ?? true {
            var rng = SplitMix64(seed: 1)
            var layers: [WeightMatrix] = [], keep: [[Float]] = []
            for _ in 0..<12 {
                for (_, k, n, layout) in Self.shapes.prefix(4) {
                    let source = rng.floats(k * n).map { $0 * 0.05 }
                    keep.append(source)
                    layers.append(source.withUnsafeBufferPointer {
                        let w = WeightMatrix(f32: $0.baseAddress!, layout: layout, inputs: k, outputs: n, owner: nil)
                        return blockLayout.map { Quantizer.quantize(w, to: format, layout: $0) } ?? Self.loaded(w, as: format)
                    })
                }
            }
            let name = format.rawValue + (blockLayout == .outputMajor ? "[n,k]" : "")
            let headSource = rng.floats(768 * 50257).map { $0 * 0.05 }
            let head = headSource.withUnsafeBufferPointer {
                let w = WeightMatrix(f32: $0.baseAddress!, layout: .outputMajor, inputs: 768, outputs: 50257, owner: nil)
                return blockLayout.map { Quantizer.quantize(w, to: format, layout: $0) } ?? Self.loaded(w, as: format)
            }
            let bytes = (layers + [head]).reduce(0) { $0 + $1.byteCount }
            for m in Self.rows {
                let a = rng.floats(m * 3072)
                var c = [Float](repeating: 0, count: m * 50257)
                for threads in [1, 2] {
                    let pool = ThreadPool(threadCount: threads)
                    let time = a.withUnsafeBufferPointer { pa in c.withUnsafeMutableBufferPointer { pc in
                        Self.timePerCall(rounds: 3, minimum: 1) { _ in
                            for layer in layers {
                                Kernels.linear(a: pa.baseAddress!, lda: layer.inputs, weight: layer, bias: nil, c: pc.baseAddress!,
                                               ldc: layer.outputs, m: m, pool: pool)
                            }
                            let rows = m == 128 ? 1 : m
                            Kernels.linear(a: pa.baseAddress!, lda: 768, weight: head, bias: nil, c: pc.baseAddress!, ldc: 50257,
                                           m: rows, pool: pool)
                        }
                    } }
                    print(String(format: "GPT-2 124M linears %-10@ m=%-3d threads=%d: %7.1f tok/s  (%.1f GB/s of %.0f MB weights)",
                                 name as NSString, m, threads, Double(m) / time, Double(bytes) / time / 1e9, Double(bytes) / 1e6))
                }
            }
        }
    }
}
