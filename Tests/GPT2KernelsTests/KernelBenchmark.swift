import GPT2Kernels

/// Throughput of the matmul kernels on GPT-2 124M's shapes, printed as a table. Run with
/// `GPT2_KERNEL_BENCH=1 swift test -c release --filter KernelBenchmarkTests` (see the test).
///
/// Weights are rotated over enough copies (>= 160 MB) that each call reads them from DRAM, as a
/// real model's 498 MB do; activations stay in cache. GB/s counts weight bytes only. Every
/// figure is the best of many calls.
struct KernelBenchmark {
    struct Shape {
        let name: String, m: Int, k: Int, n: Int, transposedB: Bool
    }

    static let shapes: [Shape] = [1, 8, 128].flatMap { m in
        [Shape(name: "c_attn", m: m, k: 768, n: 2304, transposedB: false),
         Shape(name: "attn.c_proj", m: m, k: 768, n: 768, transposedB: false),
         Shape(name: "c_fc", m: m, k: 768, n: 3072, transposedB: false),
         Shape(name: "mlp.c_proj", m: m, k: 3072, n: 768, transposedB: false),
         Shape(name: "lm_head", m: m, k: 768, n: 50257, transposedB: true)]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    static func run(threadCounts: [Int] = [1, 2], minimumSeconds: Double = 0.4) -> String {
        var lines = ["shape            m     k      n  threads   ms/call   GFLOP/s   weight GB/s"]
        let clock = ContinuousClock()
        for threads in threadCounts {
            let pool = ThreadPool(threadCount: threads)
            for shape in shapes {
                let weightCount = shape.k * shape.n
                let copies = max(1, (160 << 20) / (weightCount * 4) + 1)
                let weights = UnsafeMutablePointer<Float>.allocate(capacity: weightCount * copies)
                for i in 0..<(weightCount * copies) { weights[i] = Float(i % 7) * 0.01 - 0.03 }
                let a = UnsafeMutablePointer<Float>.allocate(capacity: shape.m * shape.k)
                for i in 0..<(shape.m * shape.k) { a[i] = Float(i % 5) * 0.1 }
                let c = UnsafeMutablePointer<Float>.allocate(capacity: shape.m * shape.n)
                let bias = UnsafeMutablePointer<Float>.allocate(capacity: shape.n)
                bias.initialize(repeating: 0.5, count: shape.n)
                let ldb = shape.transposedB ? shape.k : shape.n
                // One untimed pass over every copy, then timed calls; the best call counts (the
                // machines are shared, and preemption only ever adds time).
                var calls = 0
                var elapsed = 0.0
                var perCall = Double.infinity
                while calls < copies || elapsed < minimumSeconds {
                    let start = clock.now
                    Kernels.matmul(a: a, lda: shape.k, b: weights + (calls % copies) * weightCount, ldb: ldb,
                                   transposedB: shape.transposedB, bias: bias, c: c, ldc: shape.n,
                                   m: shape.m, n: shape.n, k: shape.k, pool: pool)
                    let time = seconds(clock.now - start)
                    if calls >= copies {
                        perCall = min(perCall, time)
                        elapsed += time
                    }
                    calls += 1
                }
                let flops = 2.0 * Double(shape.m * shape.k * shape.n)
                lines.append(pad(shape.name, 14) + pad("\(shape.m)", 5, right: true) + pad("\(shape.k)", 6, right: true)
                             + pad("\(shape.n)", 7, right: true) + pad("\(threads)", 9, right: true)
                             + pad(format(perCall * 1e3, 3), 10, right: true) + pad(format(flops / perCall / 1e9, 1), 10, right: true)
                             + pad(format(Double(weightCount * 4) / perCall / 1e9, 1), 14, right: true))
                weights.deallocate(); a.deallocate(); c.deallocate(); bias.deallocate()
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The matmuls of one GPT-2 124M decode step (12 layers + tied lm_head) over 498 MB of
    /// distinct weights, m = `tokens` rows: the bandwidth-bound floor of a forward pass.
    static func decodeStep(tokens: Int, threads: Int, steps: Int = 20) -> String {
        let layers = 12, width = 768, vocab = 50257
        let perLayer = width * 3 * width + width * width + width * 4 * width + 4 * width * width
        let total = layers * perLayer + vocab * width
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: total)
        for i in 0..<total { weights[i] = Float(i % 11) * 0.001 }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens * 4 * width)
        for i in 0..<(tokens * 4 * width) { x[i] = 0.01 }
        let y = UnsafeMutablePointer<Float>.allocate(capacity: tokens * vocab)
        let pool = ThreadPool(threadCount: threads)
        let clock = ContinuousClock()
        func step() {
            var w = weights
            for _ in 0..<layers {
                for (k, n) in [(width, 3 * width), (width, width), (width, 4 * width), (4 * width, width)] {
                    Kernels.matmul(a: x, lda: k, b: w, ldb: n, transposedB: false, bias: nil, c: y, ldc: n,
                                   m: tokens, n: n, k: k, pool: pool)
                    w += k * n
                }
            }
            Kernels.matmul(a: x, lda: width, b: w, ldb: width, transposedB: true, bias: nil, c: y, ldc: vocab,
                           m: tokens, n: vocab, k: width, pool: pool)
        }
        step()
        // The best step: the machines are shared, and preemption only ever adds time.
        var perStep = Double.infinity
        for _ in 0..<steps {
            let start = clock.now
            step()
            perStep = min(perStep, seconds(clock.now - start))
        }
        weights.deallocate(); x.deallocate(); y.deallocate()
        return "decode step matmuls, m=\(tokens), threads=\(threads): \(format(perStep * 1e3, 2)) ms/step, "
            + "\(format(Double(total * 4) / perStep / 1e9, 1)) GB/s, \(format(Double(tokens) / perStep, 1)) tok/s"
    }

    /// Microseconds per call of the non-matmul kernels at GPT-2 124M sizes (best of many).
    static func otherKernels(threads: Int) -> String {
        let pool = ThreadPool(threadCount: threads)
        let clock = ContinuousClock()
        func best(_ repeats: Int, _ body: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let start = clock.now
                body()
                fastest = min(fastest, seconds(clock.now - start))
            }
            return fastest * 1e6
        }
        let width = 768, heads = 12, headDim = 64, context = 1024
        let big = UnsafeMutablePointer<Float>.allocate(capacity: 128 * 4 * width)
        for i in 0..<(128 * 4 * width) { big[i] = Float(i % 13) * 0.1 - 0.6 }
        let out = UnsafeMutablePointer<Float>.allocate(capacity: 128 * 4 * width)
        let weight = UnsafeMutablePointer<Float>.allocate(capacity: width)
        weight.initialize(repeating: 1, count: width)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: 50257)
        let keys = UnsafeMutablePointer<Float>.allocate(capacity: context * width)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: context * width)
        for i in 0..<(context * width) {
            keys[i] = Float(i % 17) * 0.05 - 0.4
            values[i] = Float(i % 7) * 0.1 - 0.3
        }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Kernels.attentionScratchCount(
            newTokens: 128, contextLength: context, heads: heads, threads: threads))
        var lines: [String] = []
        func report(_ name: String, _ micros: Double) {
            lines.append(pad(name, 44) + pad(format(micros, 1), 10, right: true) + " us   threads=\(threads)")
        }
        for rows in [1, 128] {
            report("layerNorm \(rows)x\(width)", best(200) {
                Kernels.layerNorm(input: big, output: out, weight: weight, bias: weight, rows: rows, cols: width,
                                  epsilon: 1e-5, pool: pool)
            })
            report("geluTanh \(rows)x\(4 * width)", best(200) {
                out.update(from: big, count: rows * 4 * width)
                Kernels.geluTanh(out, count: rows * 4 * width, pool: pool)
            })
        }
        report("softmax 50257", best(200) {
            logits.update(from: big, count: 50257)
            Kernels.softmax(logits, count: 50257)
        })
        for (newTokens, start) in [(1, 127), (1, 1023), (128, 0), (8, 512)] {
            report("attention new=\(newTokens) start=\(start) 12x64", best(100) {
                Kernels.causalAttention(q: big, ldq: width, keys: keys, values: values, ldkv: width, out: out, ldo: width,
                                        newTokens: newTokens, startPosition: start, heads: heads, headDim: headDim,
                                        scratch: scratch, pool: pool)
            })
        }
        for p in [big, out, weight, logits, keys, values, scratch] { p.deallocate() }
        return lines.joined(separator: "\n")
    }

    /// Plain read bandwidth of the machine: SIMD sums over 256 MB split over `threads`, the
    /// ceiling for a bandwidth-bound GEMV on this machine right now.
    static func readBandwidth(threads: Int, passes: Int = 8) -> String {
        let count = 64 << 20
        let data = UnsafeMutablePointer<Float>.allocate(capacity: count)
        data.initialize(repeating: 1, count: count)
        let pool = ThreadPool(threadCount: threads)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        let clock = ContinuousClock()
        var best = 0.0
        for _ in 0..<passes {
            let start = clock.now
            pool.parallelFor(threads) { t in
                let first = count / threads * t, end = count / threads * (t + 1)
                var s0 = SIMD16<Float>(), s1 = s0, s2 = s0, s3 = s0
                var i = first
                while i < end {
                    let p = UnsafeRawPointer(data + i)
                    s0 += p.loadUnaligned(as: SIMD16<Float>.self)
                    s1 += p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                    s2 += p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                    s3 += p.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                    i += 64
                }
                sums[t] = (s0 + s1 + s2 + s3).sum()
            }
            best = max(best, Double(count * 4) / seconds(clock.now - start) / 1e9)
        }
        data.deallocate(); sums.deallocate()
        return "read bandwidth, threads=\(threads): \(format(best, 1)) GB/s (best of \(passes) passes over 256 MB)"
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < decimals { text += String(repeating: "0", count: decimals - have) }
        }
        return text
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }
}
