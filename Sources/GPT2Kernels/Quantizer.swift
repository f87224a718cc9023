/// Converts weights between `WeightMatrix` formats (the `gpt2 quantize` command), writing the
/// stored layouts of `WeightMatrix`'s table.
///
/// - f32, f16, bf16 keep the source layout; narrowing rounds to nearest, ties to even.
/// - int8 (output-major): symmetric per output row, `scale = max|w| / 127`,
///   `q = round(w / scale)` (ties to even), so `|w - q · scale| <= scale / 2`. An all-zero row
///   gets scale 0 and codes 0.
/// - q4 (output-major): per block of 32 along k, `scale = max|w| / 7` rounded *up* to the next
///   fp16 value (so no code needs clamping), `q = round(w / scale)` in -7...7 stored as `q + 8`,
///   so `|w - q · scale| <= scale / 2`. This symmetric choice (rather than ggml q4_0's
///   `max / -8`, which clips the opposite extreme by up to a whole step) keeps that bound for
///   every element. An all-zero block gets scale 0; a block whose scale would underflow fp16
///   (max|w| < ~4e-7) dequantizes to zero, and scales above 65504 (max|w| > 458528) are clamped.
///
/// Any format is accepted as the source (it is widened to fp32 first, exactly), so re-quantizing
/// an already quantized matrix is allowed but adds its error again. Non-finite source weights
/// cannot be quantized to int8 or q4 (a precondition failure naming the row).
public enum Quantizer {
    /// `source` (any layout, any format) as a new matrix in `format` that owns its memory.
    public static func quantize(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let layout: WeightMatrix.Layout = format == .int8 || format == .q4 ? .outputMajor
            : source.layout == .inputPanels ? .inputMajor : source.layout
        return quantize(source, to: format, layout: layout)
    }

    /// `quantize` into a chosen layout (int8 and q4 only exist output-major). For one
    /// activation row, f16 / bf16 weights stream about 40% faster output-major ([n, k], each
    /// output a dot product along a contiguous row) than in Hugging Face's [k, n] Conv1D layout,
    /// so a model that decodes from fp16 may transpose its Conv1D weights once at load.
    public static func quantize(_ source: WeightMatrix, to format: WeightMatrix.Format,
                                layout: WeightMatrix.Layout) -> WeightMatrix {
        precondition(layout == .outputMajor || (format != .int8 && format != .q4), "\(format) weights are stored output-major.")
        if layout == .inputPanels {
            precondition(format == .f32, "Only f32 weights are kept in the inputPanels layout.")
            let f32 = quantize(source, to: .f32, layout: .inputMajor)
            return f32.packedIntoPanels()
        }
        let source = source.inFileLayout()
        switch format {
        case .f32, .f16, .bf16:
            return layout == source.layout ? narrow(source, to: format) : transpose(source, to: format)
        case .int8, .q4:
            precondition(format != .q4 || source.inputs % WeightMatrix.q4BlockSize == 0,
                         "q4 needs the input width (k = \(source.inputs)) to be a multiple of \(WeightMatrix.q4BlockSize).")
            return quantizeRows(source, to: format)
        }
    }

    /// Rows of output columns handled at once when gathering from an input-major source.
    static let rowTile = 64

    // MARK: f32 / f16 / bf16

    static func narrow(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let (rows, width) = source.layout == .inputMajor ? (source.inputs, source.outputs) : (source.outputs, source.inputs)
        let elementBytes = format == .f32 ? 4 : 2
        let buffer = WeightBuffer(dataBytes: rows * width * elementBytes, scalesBytes: 0)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: max(1, width))
        defer { row.deallocate() }
        for r in 0..<rows {
            widenStorageRow(source, row: r, from: 0, count: width, into: row)
            let target = buffer.data + r * width * elementBytes
            switch format {
            case .f32: target.copyMemory(from: row, byteCount: width * 4)
            case .f16: Kernels.convertF32toF16(row, to: target, count: width)
            default: Kernels.convertF32toBF16(row, to: target, count: width)
            }
        }
        return WeightMatrix(format: format, layout: source.layout, inputs: source.inputs, outputs: source.outputs,
                            data: UnsafeRawPointer(buffer.data), owner: buffer)
    }

    /// `source` in the other layout, in `format` (f32, f16 or bf16).
    static func transpose(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let k = source.inputs, n = source.outputs
        let elementBytes = format == .f32 ? 4 : 2
        let buffer = WeightBuffer(dataBytes: k * n * elementBytes, scalesBytes: 0)
        let layout: WeightMatrix.Layout = source.layout == .inputMajor ? .outputMajor : .inputMajor
        // Storage rows of the result: n rows of k (output-major) or k rows of n (input-major).
        let (rows, width) = layout == .outputMajor ? (n, k) : (k, n)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rowTile * width))
        defer { tile.deallocate() }
        var first = 0
        while first < rows {
            let count = min(rowTile, rows - first)
            if layout == .outputMajor {
                gatherOutputRows(source, from: first, count: count, into: tile)
            } else {
                // Rows first..<first+count of [k, n] are columns of the output-major source.
                for j in 0..<n {
                    for r in 0..<count { tile[r * n + j] = NaiveKernels.weightValue(source, input: first + r, output: j) }
                }
            }
            let target = buffer.data + first * width * elementBytes
            switch format {
            case .f32: target.copyMemory(from: tile, byteCount: count * width * 4)
            case .f16: Kernels.convertF32toF16(tile, to: target, count: count * width)
            default: Kernels.convertF32toBF16(tile, to: target, count: count * width)
            }
            first += count
        }
        return WeightMatrix(format: format, layout: layout, inputs: k, outputs: n, data: UnsafeRawPointer(buffer.data),
                            owner: buffer)
    }

    // MARK: int8 / q4

    static func quantizeRows(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let k = source.inputs, n = source.outputs
        let blocks = k / WeightMatrix.q4BlockSize
        let buffer = WeightBuffer(dataBytes: format == .int8 ? n * k : n * k / 2,
                                  scalesBytes: max(1, format == .int8 ? n * 4 : n * blocks * 2))
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rowTile * k))
        defer { tile.deallocate() }
        var first = 0
        while first < n {
            let count = min(rowTile, n - first)
            gatherOutputRows(source, from: first, count: count, into: tile)
            for r in 0..<count {
                let j = first + r
                if format == .int8 {
                    let scale = quantizeInt8Row(tile + r * k, count: k, into: (buffer.data + j * k).assumingMemoryBound(to: Int8.self))
                    buffer.scales!.storeBytes(of: scale, toByteOffset: j * 4, as: Float.self)
                } else {
                    for b in 0..<blocks {
                        let bits = quantizeQ4Block(tile + r * k + b * 32,
                                                   into: (buffer.data + j * k / 2 + b * 16).assumingMemoryBound(to: UInt8.self))
                        buffer.scales!.storeBytes(of: bits, toByteOffset: (j * blocks + b) * 2, as: UInt16.self)
                    }
                }
            }
            first += count
        }
        return WeightMatrix(format: format, layout: .outputMajor, inputs: k, outputs: n,
                            data: UnsafeRawPointer(buffer.data), scales: UnsafeRawPointer(buffer.scales!), owner: buffer)
    }

    /// Symmetric int8 codes of one row; returns its scale.
    static func quantizeInt8Row(_ w: UnsafePointer<Float>, count: Int, into codes: UnsafeMutablePointer<Int8>) -> Float {
        var largest: Float = 0
        for p in 0..<count {
            precondition(w[p].isFinite, "Quantizer: a weight row holds a non-finite value (\(w[p])); int8 needs finite weights.")
            largest = max(largest, abs(w[p]))
        }
        let scale = largest / 127
        for p in 0..<count {
            codes[p] = scale > 0 ? Int8((w[p] / scale).rounded(.toNearestOrEven).clamped(-127, 127)) : 0
        }
        return scale
    }

    /// Packs one block of 32 weights into 16 bytes (element 2t in the low nibble of byte t);
    /// returns the block's fp16 scale bits.
    static func quantizeQ4Block(_ w: UnsafePointer<Float>, into bytes: UnsafeMutablePointer<UInt8>) -> UInt16 {
        var largest: Float = 0
        for t in 0..<32 {
            precondition(w[t].isFinite, "Quantizer: a q4 block holds a non-finite value (\(w[t])); q4 needs finite weights.")
            largest = max(largest, abs(w[t]))
        }
        let exact = largest / 7
        var scale = Float16(exact)
        if Float(scale) < exact { scale = scale.nextUp }
        if !scale.isFinite { scale = .greatestFiniteMagnitude }
        let s = Float(scale)
        for t in 0..<16 {
            let low = s > 0 ? UInt8((w[2 * t] / s).rounded(.toNearestOrEven).clamped(-8, 7) + 8) : 8
            let high = s > 0 ? UInt8((w[2 * t + 1] / s).rounded(.toNearestOrEven).clamped(-8, 7) + 8) : 8
            bytes[t] = low | high << 4
        }
        return scale.bitPattern
    }

    // MARK: reading the source

    /// `count` elements of storage row `row` (in the source's layout) from column `first`, as fp32.
    static func widenStorageRow(_ w: WeightMatrix, row: Int, from first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let width = w.layout == .inputMajor ? w.outputs : w.inputs
        let index = row * width + first
        switch w.format {
        case .f32:
            out.update(from: (w.data + 4 * index).assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            Kernels.convertF16toF32(w.data + 2 * index, to: out, count: count)
        case .bf16:
            Kernels.convertBF16toF32(w.data + 2 * index, to: out, count: count)
        case .int8, .q4:
            for t in 0..<count {
                out[t] = w.layout == .inputMajor
                    ? NaiveKernels.weightValue(w, input: row, output: first + t)
                    : NaiveKernels.weightValue(w, input: first + t, output: row)
            }
        }
    }

    /// W[:, first..<first+count] as `count` rows of k floats (output-major).
    static func gatherOutputRows(_ w: WeightMatrix, from first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let k = w.inputs
        if w.layout == .outputMajor {
            for r in 0..<count { widenStorageRow(w, row: first + r, from: 0, count: k, into: out + r * k) }
            return
        }
        let slice = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
        defer { slice.deallocate() }
        for p in 0..<k {
            widenStorageRow(w, row: p, from: first, count: count, into: slice)
            for r in 0..<count { out[r * k + p] = slice[r] }
        }
    }
}

extension Float {
    fileprivate func clamped(_ low: Float, _ high: Float) -> Float { Swift.min(Swift.max(self, low), high) }
}
