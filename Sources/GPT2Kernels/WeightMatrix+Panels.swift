extension WeightMatrix {
    /// Whether an fp32 weight can be kept in the `inputPanels` layout (n a multiple of 16).
    public var canUsePanels: Bool { format == .f32 && outputs % Self.panelWidth == 0 }

    /// This fp32 `inputMajor` weight copied into the `inputPanels` layout, owning its memory.
    public func packedIntoPanels() -> WeightMatrix {
        precondition(layout == .inputMajor && canUsePanels, "packedIntoPanels needs an f32 [k, n] weight with n a multiple of 16")
        let buffer = WeightBuffer(dataBytes: dataByteCount, scalesBytes: 0)
        Kernels.packPanels(data.assumingMemoryBound(to: Float.self), k: inputs, n: outputs,
                           into: buffer.data.assumingMemoryBound(to: Float.self))
        return WeightMatrix(format: .f32, layout: .inputPanels, inputs: inputs, outputs: outputs,
                            data: UnsafeRawPointer(buffer.data), owner: buffer)
    }

    /// This weight in a storage layout that files hold (`inputMajor` or `outputMajor`): itself,
    /// or for `inputPanels` a row-major `[k, n]` copy owning its memory.
    public func inFileLayout() -> WeightMatrix {
        guard layout == .inputPanels else { return self }
        let buffer = WeightBuffer(dataBytes: dataByteCount, scalesBytes: 0)
        Kernels.unpackPanels(data.assumingMemoryBound(to: Float.self), k: inputs, n: outputs,
                             into: buffer.data.assumingMemoryBound(to: Float.self))
        return WeightMatrix(format: .f32, layout: .inputMajor, inputs: inputs, outputs: outputs,
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
