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
