import CGPT2Kernels

extension Kernels {
    /// `C[m, n] = A[m, k] · W (+ bias[n])`, or `C += ...` when `accumulate`, for a weight in any
    /// `WeightMatrix` format. `a`: m rows of k floats, row stride `lda`; `c`: m rows of n floats,
    /// row stride `ldc`, not overlapping `a`; `bias`: n floats or nil. `pool` splits the output
    /// columns so each thread streams a disjoint slice of the weight.
    ///
    /// Accuracy against `NaiveKernels.linear` on the same stored weights:
    /// - f32, f16, bf16: fp32 rounding only (weights widen exactly).
    /// - int8: each row of `a` is quantized on the fly to u8 with its own scale
    ///   `s = (max(0, max a) - min(0, min a)) / 255` and zero point, the products are summed
    ///   exactly in integers, so the error is at most `s / 2 · sum_p |w[p, j]|` plus fp32
    ///   rounding, and the result does not depend on `m`, the thread count or the ISA.
    /// - q4: each block of 32 activations is quantized to s8 with scale `max|a| / 127`: the error
    ///   is at most `sum_blocks s_block / 2 · sum_(p in block) |w[p, j]|` plus fp32 rounding; the
    ///   block sums are exact integers added in the same fp32 steps everywhere, so the result
    ///   depends neither on `m`, the thread count, the ISA nor the layout.
    /// A row of `a` with a non-finite value gives NaN outputs in that row for int8 and q4.
    ///
    /// The narrow formats, and panel weights for many rows, run C kernels (`CGPT2Kernels`) at the
    /// best `LinearISA` this CPU has; every layout of `WeightMatrix` is computed from as it is.
    /// q4 has vector kernels for its `inputPanels` layout only (what the model's loader gives);
    /// output-major q4 rows (and a panel weight's last n % 16 outputs) take a plain loop, ~10x
    /// slower.
    public static func linear(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool = false,
                              pool: ThreadPool?) {
        linear(a: a, lda: lda, weight: weight, bias: bias, c: c, ldc: ldc, m: m, accumulate: accumulate,
               pool: pool, isa: .detected)
    }

    /// `linear` at a chosen instruction-set level (it must be supported) and, optionally, a chosen
    /// `route` (it must accept the weight and run at `isa`); for tests and benchmarks that compare
    /// the paths on one machine. Without `route`, `LinearRoute.choose` decides.
    public static func linear(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool = false,
                              pool: ThreadPool?, isa: LinearISA, route: LinearRoute? = nil) {
        precondition(isa.isSupported, "Kernels.linear was asked for \(isa), which this CPU does not support.")
        let k = weight.inputs, n = weight.outputs
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            for i in 0..<m {
                for j in 0..<n { c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + (bias?[j] ?? 0) }
            }
            return
        }
        let route = route ?? LinearRoute.choose(format: weight.format, layout: weight.layout, rows: m, isa: isa)
        precondition(route.accepts(format: weight.format, layout: weight.layout) && route.runs(at: isa),
                     "Kernels.linear: route \(route) cannot compute \(weight.format) \(weight.layout) weights at \(isa).")
        precondition(lda >= k && ldc >= n, "Kernels.linear: a row stride is smaller than its row (lda \(lda), k \(k), ldc \(ldc), n \(n)).")
        switch weight.format {
        case .f32:
            let ldb = weight.layout == .inputMajor ? n : weight.layout == .outputMajor ? k : 16
            runF32(route, MatmulOperands(a: a, lda: lda, b: weight.data.assumingMemoryBound(to: Float.self), ldb: ldb,
                                         bias: bias, c: c, ldc: ldc, m: m, n: n, k: k, accumulate: accumulate),
                   pool: pool, isa: isa)
        case .f16, .bf16:
            linearHalf(a: a, lda: lda, weight: weight, bias: bias, c: c, ldc: ldc, m: m, accumulate: accumulate,
                       pool: pool, isa: isa)
        case .int8:
            linearInt8(a: a, lda: lda, weight: weight, bias: bias, c: c, ldc: ldc, m: m, accumulate: accumulate,
                       pool: pool, isa: isa)
        case .q4:
            linearQ4(a: a, lda: lda, weight: weight, bias: bias, c: c, ldc: ldc, m: m, accumulate: accumulate,
                     pool: pool, isa: isa)
        }
    }

    /// Runs an fp32 route (one that `accepts` the operands' layout and `runs(at: isa)`). A C
    /// kernel that declines is a broken table, hence the precondition.
    static func runF32(_ route: LinearRoute, _ o: MatmulOperands, pool: ThreadPool?, isa: LinearISA) {
        switch route {
        case .f32PanelsC:
            precondition(o.n % 16 == 0, "inputPanels weights need n to be a multiple of 16 (n = \(o.n))")
            let panels = o.n / 16
            o.split(panels, piece: PanelGEMM.panelPiece(panels: panels, rows: o.m, threads: pool?.threadCount ?? 1),
                    pool: pool) { p0, p1 in
                let ran = gpt2k_f32_panels(isa.code, o.a, o.lda, o.b, o.m, o.k, o.bias, o.c, o.ldc, p0, p1,
                                           o.accumulate ? 1 : 0)
                precondition(ran == 1, "gpt2k_f32_panels declined \(o.m) rows at \(isa).")
            }
        case .f32PanelStream: PanelGEMM.stream(o, pool: pool)
        case .f32PanelTiles: PanelGEMM.tiled(o, pool: pool)
        case .f32RowsC:
            // One contiguous run of weight rows per thread (a single ascending stream each).
            split(o.n, piece: threadPiece(n: o.n, unit: 4, threads: pool?.threadCount ?? 1), pool: pool) { j0, j1 in
                for i in 0..<o.m {
                    let ran = gpt2k_f32_rows(isa.code, o.a + i * o.lda, o.b, o.ldb, o.k, o.bias, o.c + i * o.ldc, j0, j1,
                                             o.accumulate ? 1 : 0)
                    precondition(ran == 1, "gpt2k_f32_rows declined at \(isa).")
                }
            }
        case .f32DotRows: GEMV.dotRows(o, pool: pool)
        case .f32TransposedTiles: GEMM.transposedB(o, pool: pool)
        case .f32StreamRows: GEMV.streamRows(o, pool: pool)
        case .f32StreamedTiles: GEMM.streamed(o, pool: pool)
        case .f32PackedTiles: GEMM.plain(o, pool: pool)
        case .halfPanelsC, .halfRowsC, .int8PanelsC, .int8RowsC, .q4C:
            preconditionFailure("Kernels.runF32 was given the route \(route), which takes no fp32 weights.")
        }
    }

    // Scratch: the quantized activations (about m·k bytes) and the int8 weight panels (32·k bytes
    // per work item) live in `withUnsafeTemporaryAllocation`, on the stack when the runtime deems
    // it safe (decode needs ~4 KB), otherwise one malloc per call, which costs well under 1% of
    // a call that large. Nothing is kept between calls, so the kernels stay reentrant and the API
    // needs no workspace object.

    static func linearHalf(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                           c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool, pool: ThreadPool?,
                           isa: LinearISA) {
        let k = weight.inputs, n = weight.outputs
        let w = weight.data.assumingMemoryBound(to: UInt16.self)
        let bf16: Int32 = weight.format == .bf16 ? 1 : 0
        if weight.layout == .inputPanels {
            split(n / 16, piece: PanelGEMM.panelPiece(panels: n / 16, rows: m, threads: pool?.threadCount ?? 1),
                  pool: pool) { p0, p1 in
                gpt2k_half_panels(isa.code, bf16, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate ? 1 : 0)
            }
            return
        }
        let outputMajor: Int32 = weight.layout == .outputMajor ? 1 : 0
        let unit = weight.layout == .outputMajor ? 4 : 64
        let threads = pool?.threadCount ?? 1
        // One stream's decode on AVX2 (the LM head): one contiguous run of rows per thread.
        let piece = m == 1 && outputMajor == 1 && isa == .avx2
            ? threadPiece(n: n, unit: unit, threads: threads) : columnPiece(n: n, unit: unit, threads: threads)
        split(n, piece: piece, pool: pool) { j0, j1 in
            gpt2k_half_linear(isa.code, bf16, outputMajor, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate ? 1 : 0)
        }
    }

    static func linearInt8(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                           c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool, pool: ThreadPool?,
                           isa: LinearISA) {
        let k = weight.inputs, n = weight.outputs
        precondition(k <= 65_536, "int8 linear layers need k <= 65536 so the int32 sums cannot overflow (k = \(k)).")
        let w = weight.data.assumingMemoryBound(to: Int8.self)
        let scales = weight.scales!.assumingMemoryBound(to: Float.self)
        if weight.layout == .inputPanels {
            // Pieces end on panel boundaries (the last may hold the n % 16 output-major rows).
            let threads = pool?.threadCount ?? 1
            let piece = WeightMatrix.panelWidth * PanelGEMM.panelPiece(panels: (n + 15) / 16, rows: m, threads: threads)
            withUnsafeTemporaryAllocation(byteCount: gpt2k_int8_scratch_bytes(isa.code, m, k), alignment: 64) { scratch in
                gpt2k_int8_quantize_activations(isa.code, a, lda, m, k, scratch.baseAddress)
                split(n, piece: piece, pool: pool) { j0, j1 in
                    gpt2k_int8_panels(isa.code, scratch.baseAddress, m, k, n, w, scales, bias, c, ldc, j0, j1,
                                      accumulate ? 1 : 0)
                }
            }
            return
        }
        // From 32 rows (VNNI) each work item packs 32-column weight panels into its own buffer.
        let panelBytes = gpt2k_int8_panel_bytes(isa.code, m, k)
        let piece = columnPiece(n: n, unit: panelBytes > 0 ? 32 : 4, threads: pool?.threadCount ?? 1)
        withUnsafeTemporaryAllocation(byteCount: gpt2k_int8_scratch_bytes(isa.code, m, k), alignment: 64) { scratch in
            gpt2k_int8_quantize_activations(isa.code, a, lda, m, k, scratch.baseAddress)
            split(n, piece: piece, pool: pool) { j0, j1 in
                if panelBytes == 0 {
                    gpt2k_int8_linear(isa.code, scratch.baseAddress, nil, m, k, w, scales, bias, c, ldc, j0, j1,
                                      accumulate ? 1 : 0)
                    return
                }
                withUnsafeTemporaryAllocation(byteCount: panelBytes, alignment: 64) { panel in
                    gpt2k_int8_linear(isa.code, scratch.baseAddress, panel.baseAddress, m, k, w, scales, bias, c, ldc,
                                      j0, j1, accumulate ? 1 : 0)
                }
            }
        }
    }

    static func linearQ4(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                         c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool, pool: ThreadPool?,
                         isa: LinearISA) {
        let k = weight.inputs, n = weight.outputs
        let w = weight.data.assumingMemoryBound(to: UInt8.self)
        let scales = weight.scales!.assumingMemoryBound(to: UInt16.self)
        let panels = weight.layout == .inputPanels
        // Panels split on panel boundaries (a piece may end inside the last, partial one).
        let piece = columnPiece(n: n, unit: panels ? WeightMatrix.panelWidth : 4, threads: pool?.threadCount ?? 1)
        withUnsafeTemporaryAllocation(byteCount: gpt2k_q4_scratch_bytes(m, k), alignment: 64) { scratch in
            gpt2k_q4_quantize_activations(isa.code, a, lda, m, k, scratch.baseAddress)
            split(n, piece: piece, pool: pool) { j0, j1 in
                gpt2k_q4_linear(isa.code, scratch.baseAddress, m, k, n, panels ? 1 : 0, w, scales, bias, c, ldc, j0, j1,
                                accumulate ? 1 : 0)
            }
        }
    }

    /// Output columns per work item: about four items per thread (so uneven progress balances),
    /// a multiple of the kernel's block width `unit`.
    static func columnPiece(n: Int, unit: Int, threads: Int) -> Int {
        if threads <= 1 { return n }
        let perItem = (n + 4 * threads - 1) / (4 * threads)
        return max(unit, (perItem + unit - 1) / unit * unit)
    }

    /// Output columns per work item for one stream's decode: one contiguous run per thread (a
    /// single ascending stream each, which the prefetching AVX2 kernels read fastest), a multiple
    /// of `unit`.
    static func threadPiece(n: Int, unit: Int, threads: Int) -> Int {
        max(unit, (n + unit * threads - 1) / (unit * threads) * unit)
    }

    /// Runs `body(first, end)` over `[0, total)` cut into pieces of `piece`, spread over `pool`.
    static func split(_ total: Int, piece: Int, pool: ThreadPool?, _ body: (Int, Int) -> Void) {
        let pieces = (total + piece - 1) / piece
        if let pool, pool.threadCount > 1, pieces > 1 {
            pool.parallelFor(pieces) { p in body(p * piece, min(total, (p + 1) * piece)) }
        } else {
            body(0, total)
        }
    }
}

extension NaiveKernels {
    /// Reference for `Kernels.linear`: widens every weight to fp32 and accumulates in Double.
    public static func linear(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool = false) {
        let k = weight.inputs, n = weight.outputs
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * lda + p]) * Double(weightValue(weight, input: p, output: j)) }
                if let bias { sum += Double(bias[j]) }
                if accumulate { sum += Double(c[i * ldc + j]) }
                c[i * ldc + j] = Float(sum)
            }
        }
    }

    /// W[input, output] widened to fp32.
    public static func weightValue(_ w: WeightMatrix, input p: Int, output j: Int) -> Float {
        let index: Int
        switch w.layout {
        case .inputMajor: index = p * w.outputs + j
        case .outputMajor: index = j * w.inputs + p
        case .inputPanels: index = ((j / WeightMatrix.panelWidth) * w.inputs + p) * WeightMatrix.panelWidth + j % WeightMatrix.panelWidth
        }
        switch w.format {
        case .f32:
            return w.data.load(fromByteOffset: index * 4, as: Float.self)
        case .f16:
            return Float(Float16(bitPattern: w.data.load(fromByteOffset: index * 2, as: UInt16.self)))
        case .bf16:
            return Float(bitPattern: UInt32(w.data.load(fromByteOffset: index * 2, as: UInt16.self)) << 16)
        case .int8:
            let place = WeightMatrix.int8Position(layout: w.layout, k: w.inputs, n: w.outputs, input: p, output: j)
            let q = w.data.load(fromByteOffset: place, as: Int8.self)
            return Float(q) * w.scales!.load(fromByteOffset: j * 4, as: Float.self)
        case .q4:
            let place = WeightMatrix.q4Position(layout: w.layout, k: w.inputs, n: w.outputs, input: p, output: j)
            let byte = w.data.load(fromByteOffset: place.byte, as: UInt8.self)
            let q = Int(place.high ? byte >> 4 : byte & 0x0F) - 8
            let bits = w.scales!.load(fromByteOffset: place.scale * 2, as: UInt16.self)
            return Float(q) * Float(Float16(bitPattern: bits))
        }
    }
}
