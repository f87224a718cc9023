import Dispatch

/// Converts weights between `WeightMatrix` formats (the `gpt2 quantize` command), writing the
/// stored layouts of `WeightMatrix`'s table.
///
/// - f32, f16, bf16 keep the source layout; narrowing rounds to nearest, ties to even.
/// - int8 (output-major, or panels: `quantize(_:to:layout:)`): symmetric per output row, `scale = max|w| / 127`,
///   `q = round(w / scale)` (ties to even), so `|w - q · scale| <= scale / 2`. An all-zero row
///   gets scale 0 and codes 0.
/// - q4 (output-major, or panels: `quantize(_:to:layout:)`): per block of 32 along k, one fp16 scale `s` and codes `q` in -8...7
///   stored as `q + 8` (`w ≈ q · s`). Each block takes, of a few candidate scales, the one whose
///   nearest codes `q = clamp(round(w / s), -8, 7)` (ties to even) give the smallest squared error
///   `sum((w - q · s)^2)`: the symmetric `max|w| / 7` rounded *up* to fp16 (no clipping, every
///   element within `s / 2`; a tie keeps it), and for divisors d = 6.5, 6.75 ... 8.5 the scale
///   `-e / d` that puts the largest-magnitude element `e` on or near code -8 (the range's longer
///   side; `s` is then negative when `e` is positive), each also refitted by least squares to its
///   codes (`sum(w q) / sum(q q)`), rounded to nearest fp16. So every stored code is the nearest
///   one for the stored scale, and a block's squared error is at most the symmetric choice's (up
///   to float rounding; lower on random and on trained weights, as is a trained model's KL
///   divergence from fp32), although, unlike the symmetric
///   scale, the others may clip an element (past `7.5 |s|` towards code 7, `8.5 |s|` towards -8)
///   where that lowers the block's error. The stored format is the same either way: kernels and
///   loaders only compute `(code - 8) · s`. An all-zero block gets scale 0 and codes 8; scale
///   magnitudes that would exceed 65504 are clamped to it.
///
/// Any format is accepted as the source (it is widened to fp32 first, exactly), so re-quantizing
/// an already quantized matrix is allowed but adds its error again (except q4 to q4 and int8 to
/// int8, which only rearrange). Non-finite source weights
/// cannot be quantized to int8 or q4 (a precondition failure naming the row).
public enum Quantizer {
    /// `source` (any layout, any format) as a new matrix in `format` that owns its memory.
    public static func quantize(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let layout: WeightMatrix.Layout = format == .int8 || format == .q4 ? .outputMajor
            : source.layout == .inputPanels ? .inputMajor : source.layout
        return quantize(source, to: format, layout: layout)
    }

    /// `quantize` into a chosen layout (int8 and q4 exist output-major or in panels). The model's loader picks the layout per weight (`computeLayout` in GPT2Model):
    /// Hugging Face's [k, n] Conv1D layout streams slowest for one activation row. A q4 source
    /// asked for q4 is only rearranged (its codes and scales kept exactly).
    public static func quantize(_ source: WeightMatrix, to format: WeightMatrix.Format,
                                layout: WeightMatrix.Layout) -> WeightMatrix {
        precondition(layout != .inputMajor || (format != .q4 && format != .int8), "\(format) weights are stored output-major or in panels.")
        if layout == .inputPanels {
            if format == .q4 || format == .int8 { return quantize(source, to: format, layout: .outputMajor).packedIntoPanels() }
            return quantize(source, to: format, layout: .inputMajor).packedIntoPanels()
        }
        let original = source
        let source = source.inFileLayout()
        switch format {
        case .f32, .f16, .bf16:
            return layout == source.layout ? narrow(source, to: format) : transpose(source, to: format)
        case .q4 where source.format == .q4, .int8 where source.format == .int8:
            return original.layout == source.layout ? copy(source) : source
        case .int8, .q4:
            precondition(format != .q4 || source.inputs % WeightMatrix.q4BlockSize == 0,
                         "q4 needs the input width (k = \(source.inputs)) to be a multiple of \(WeightMatrix.q4BlockSize).")
            return quantizeRows(source, to: format)
        }
    }

    /// Writes `source` in `layout`, same format, into `destination` (`source.dataByteCount`
    /// bytes, not overlapping the source): the in-place rearrangements of the loader. fp32
    /// [k, n] into panels and 16-bit [k, n] into [n, k] go directly; other cases through a copy.
    public static func rearrange(_ source: WeightMatrix, to layout: WeightMatrix.Layout,
                                 into destination: UnsafeMutableRawPointer) {
        let (k, n) = (source.inputs, source.outputs)
        switch (source.format, source.layout, layout) {
        case (.f32, .inputMajor, .inputPanels), (.f16, .inputMajor, .inputPanels), (.bf16, .inputMajor, .inputPanels):
            Kernels.packPanels(source.data, elementBytes: source.format == .f32 ? 4 : 2, k: k, n: n, into: destination)
        case (.f16, .inputMajor, .outputMajor), (.bf16, .inputMajor, .outputMajor):
            Kernels.transpose16(source.data.assumingMemoryBound(to: UInt16.self), rows: k, columns: n,
                                into: destination.assumingMemoryBound(to: UInt16.self))
        default:
            precondition(source.format != .int8 && source.format != .q4, "rearrange(into:) writes data only; \(source.format) weights have scales too.")
            let copy = quantize(source, to: source.format, layout: layout)
            destination.copyMemory(from: copy.data, byteCount: copy.dataByteCount)
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

    /// A copy of a quantized matrix that owns its memory.
    static func copy(_ source: WeightMatrix) -> WeightMatrix {
        let buffer = WeightBuffer(dataBytes: source.dataByteCount, scalesBytes: max(1, source.scalesByteCount))
        buffer.data.copyMemory(from: source.data, byteCount: source.dataByteCount)
        buffer.scales!.copyMemory(from: source.scales!, byteCount: source.scalesByteCount)
        return WeightMatrix(format: source.format, layout: source.layout, inputs: source.inputs, outputs: source.outputs,
                            data: UnsafeRawPointer(buffer.data), scales: UnsafeRawPointer(buffer.scales!), owner: buffer)
    }

    static func quantizeRows(_ source: WeightMatrix, to format: WeightMatrix.Format) -> WeightMatrix {
        let k = source.inputs, n = source.outputs
        let blocks = k / WeightMatrix.q4BlockSize
        let buffer = WeightBuffer(dataBytes: format == .int8 ? n * k : n * k / 2,
                                  scalesBytes: max(1, format == .int8 ? n * 4 : n * blocks * 2))
        // Tiles of rows are independent (disjoint codes and scales), so they run on every core:
        // the q4 scale search makes this worth it (seconds for GPT-2 124M on one core).
        let tiles = (n + rowTile - 1) / rowTile
        DispatchQueue.concurrentPerform(iterations: tiles) { t in
            let first = t * rowTile, count = min(rowTile, n - first)
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rowTile * k))
            defer { tile.deallocate() }
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
    /// returns the block's fp16 scale bits. The scale is the one of a small set of candidates
    /// whose nearest codes give the smallest squared error of the block (see the type's doc).
    static func quantizeQ4Block(_ w: UnsafePointer<Float>, into bytes: UnsafeMutablePointer<UInt8>) -> UInt16 {
        var largest: Float = 0, extreme: Float = 0   // max |w| and the signed element reaching it
        for t in 0..<32 {
            precondition(w[t].isFinite, "Quantizer: a q4 block holds a non-finite value (\(w[t])); q4 needs finite weights.")
            if abs(w[t]) > largest { (largest, extreme) = (abs(w[t]), w[t]) }
        }
        // The symmetric scale max|w| / 7 rounded up (every element within scale / 2) is the
        // first candidate, so the search can only lower the block's squared error.
        var best = Float16(largest / 7)
        if Float(best) < largest / 7 { best = best.nextUp }
        if !best.isFinite { best = .greatestFiniteMagnitude }
        var bestError = q4SquaredError(w, scale: Float(best))
        func consider(_ candidate: Float16) {
            guard candidate != 0 else { return }
            let error = q4SquaredError(w, scale: Float(candidate))
            if error < bestError { (best, bestError) = (candidate, error) }
        }
        if largest > 0 {
            for i in 0...q4Divisors {
                // extreme / trial = -divisor: the extreme element lands on (or near) code -8,
                // the side of the range with one more step.
                let trial = storedQ4Scale(extreme / -(q4LowestDivisor + q4DivisorStep * Float(i)))
                guard trial != 0 else { continue }
                consider(trial)
                // The least-squares scale for the codes `trial` gives: sum(w q) / sum(q q).
                let (wq, qq) = q4Moments(w, scale: Float(trial))
                if qq > 0 { consider(storedQ4Scale(wq / qq)) }
            }
        }
        let s = Float(best)
        for t in 0..<16 {
            let low = UInt8(q4Code(w[2 * t], scale: s) + 8), high = UInt8(q4Code(w[2 * t + 1], scale: s) + 8)
            bytes[t] = low | high << 4
        }
        return best.bitPattern
    }

    /// The q4 search tries divisors `q4LowestDivisor + q4DivisorStep · i` for i in 0...q4Divisors
    /// (6.5...8.5): from clipping nothing to letting the extreme round to -8.
    static let q4LowestDivisor: Float = 6.5
    static let q4DivisorStep: Float = 0.25
    static let q4Divisors = 8

    /// `scale` rounded to the nearest fp16, kept finite.
    @inline(__always)
    static func storedQ4Scale(_ scale: Float) -> Float16 {
        let stored = Float16(scale)
        return stored.isFinite ? stored : (scale > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude)
    }

    /// The nearest q4 code (q - 8, in -8...7) of `value` for `scale`; 0 when `scale` is 0.
    @inline(__always)
    static func q4Code(_ value: Float, scale: Float) -> Float {
        scale == 0 ? 0 : (value / scale).rounded(.toNearestOrEven).clamped(-8, 7)
    }

    /// `q4Code` for a nonzero scale given as its reciprocal (used by the search; the stored codes
    /// divide). Clamping to the integers -8...7 before rounding gives the same code; adding and
    /// subtracting 1.5 · 2^23 then rounds to nearest, ties to even.
    @inline(__always)
    static func q4SearchCode(_ value: Float, inverse: Float) -> Float {
        var x = value * inverse
        x = x < -8 ? -8 : x
        x = x > 7 ? 7 : x
        return (x + 12_582_912) - 12_582_912
    }

    /// sum((w - q · scale)^2) over a block of 32 with the nearest codes for `scale`.
    @inline(__always)
    static func q4SquaredError(_ w: UnsafePointer<Float>, scale: Float) -> Float {
        let inverse = scale == 0 ? 0 : 1 / scale
        var sum: (Float, Float, Float, Float) = (0, 0, 0, 0)   // four independent chains
        for t in stride(from: 0, to: 32, by: 4) {
            let e0 = w[t] - q4SearchCode(w[t], inverse: inverse) * scale
            let e1 = w[t + 1] - q4SearchCode(w[t + 1], inverse: inverse) * scale
            let e2 = w[t + 2] - q4SearchCode(w[t + 2], inverse: inverse) * scale
            let e3 = w[t + 3] - q4SearchCode(w[t + 3], inverse: inverse) * scale
            sum = (sum.0 + e0 * e0, sum.1 + e1 * e1, sum.2 + e2 * e2, sum.3 + e3 * e3)
        }
        return (sum.0 + sum.1) + (sum.2 + sum.3)
    }

    /// (sum(w q), sum(q q)) over a block of 32 for the nearest codes q of a nonzero `scale`.
    @inline(__always)
    static func q4Moments(_ w: UnsafePointer<Float>, scale: Float) -> (Float, Float) {
        let inverse = 1 / scale
        var wq: Float = 0, qq: Float = 0
        for t in 0..<32 {
            let q = q4SearchCode(w[t], inverse: inverse)
            wq += w[t] * q
            qq += q * q
        }
        return (wq, qq)
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
