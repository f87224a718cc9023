extension WeightMatrix {
    /// Whether this weight can be kept in the `inputPanels` layout (f32, f16 or bf16 with n a
    /// multiple of 16).
    public var canUsePanels: Bool {
        (format == .f32 || format == .f16 || format == .bf16) && outputs % Self.panelWidth == 0
    }

    /// This `inputMajor` weight copied into the `inputPanels` layout, owning its memory.
    public func packedIntoPanels() -> WeightMatrix {
        precondition(layout == .inputMajor && canUsePanels, "packedIntoPanels needs a [k, n] f32/f16/bf16 weight with n a multiple of 16")
        let buffer = WeightBuffer(dataBytes: dataByteCount, scalesBytes: 0)
        Kernels.packPanels(data, elementBytes: format == .f32 ? 4 : 2, k: inputs, n: outputs, into: buffer.data)
        return WeightMatrix(format: format, layout: .inputPanels, inputs: inputs, outputs: outputs,
                            data: UnsafeRawPointer(buffer.data), owner: buffer)
    }

    /// This weight in a storage layout that files hold (`inputMajor` or `outputMajor`): itself,
    /// or for `inputPanels` a row-major `[k, n]` copy owning its memory.
    public func inFileLayout() -> WeightMatrix {
        guard layout == .inputPanels else { return self }
        let buffer = WeightBuffer(dataBytes: dataByteCount, scalesBytes: 0)
        Kernels.unpackPanels(data, elementBytes: format == .f32 ? 4 : 2, k: inputs, n: outputs, into: buffer.data)
        return WeightMatrix(format: format, layout: .inputMajor, inputs: inputs, outputs: outputs,
                            data: UnsafeRawPointer(buffer.data), owner: buffer)
    }
}

extension Kernels {
    /// Transposes a row-major `[rows, columns]` matrix of 16-bit elements (fp16, bf16) into
    /// `[columns, rows]`, in tiles of 64 x 64 so both sides are read and written a cache line
    /// at a time. `source` and `target` must not overlap.
    public static func transpose16(_ source: UnsafePointer<UInt16>, rows: Int, columns: Int, into target: UnsafeMutablePointer<UInt16>) {
        let tile = 64
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + tile)
            var c0 = 0
            while c0 < columns {
                let c1 = min(columns, c0 + tile)
                for c in c0..<c1 {
                    for r in r0..<r1 { target[c * rows + r] = source[r * columns + c] }
                }
                c0 = c1
            }
            r0 = r1
        }
    }
}

extension Kernels {
    /// Copies a row-major `[k, n]` matrix of `elementBytes`-byte elements (4: fp32, 2: fp16 /
    /// bf16) into the `inputPanels` layout `[n / 16][k][16]` (n a multiple of 16). `source` and
    /// `panels` must not overlap.
    public static func packPanels(_ source: UnsafeRawPointer, elementBytes: Int, k: Int, n: Int, into panels: UnsafeMutableRawPointer) {
        precondition(n % 16 == 0, "packPanels needs n to be a multiple of 16 (n = \(n))")
        let row = 16 * elementBytes
        for j in 0..<(n / 16) {
            for p in 0..<k {
                (panels + (j * k + p) * row).copyMemory(from: source + (p * n + j * 16) * elementBytes, byteCount: row)
            }
        }
    }

    /// The inverse of `packPanels`: `inputPanels` back to row-major `[k, n]`.
    public static func unpackPanels(_ panels: UnsafeRawPointer, elementBytes: Int, k: Int, n: Int, into target: UnsafeMutableRawPointer) {
        precondition(n % 16 == 0, "unpackPanels needs n to be a multiple of 16 (n = \(n))")
        let row = 16 * elementBytes
        for j in 0..<(n / 16) {
            for p in 0..<k {
                (target + (p * n + j * 16) * elementBytes).copyMemory(from: panels + (j * k + p) * row, byteCount: row)
            }
        }
    }
}
