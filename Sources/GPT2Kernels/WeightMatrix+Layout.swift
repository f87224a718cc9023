/// The layout policy: which layout each weight is computed from, by format, shape and level.
/// It lives beside the kernels because it follows from them: a layout is chosen where the
/// level's kernels for it are the fastest (see `LinearRoute`).
extension WeightMatrix {
    /// The layout the model computes this weight from at the detected level.
    public var computeLayout: WeightMatrix.Layout { computeLayout(isa: .detected) }

    /// The layout the model computes this weight from at `isa`: fp32 [k, n] with n a multiple of
    /// 16 in `inputPanels`; fp16 / bf16 [k, n] in `inputPanels` too from AVX2 up (n a multiple of
    /// 16), else transposed to [n, k]; q4 in `inputPanels`; int8 in `inputPanels` where the
    /// level is AVX2 (k even); otherwise its own layout.
    public func computeLayout(isa: LinearISA) -> WeightMatrix.Layout {
        Self.computeLayout(format: format, layout: layout, inputs: inputs, outputs: outputs, isa: isa)
    }

    /// `computeLayout` of a weight of this format, stored layout and shape.
    public static func computeLayout(format: Format, layout: Layout, inputs: Int, outputs: Int,
                                     isa: LinearISA = .detected) -> Layout {
        if format == .q4 { return inputs > 0 ? .inputPanels : layout }
        // int8 panels feed AVX2's vpmaddwd with no horizontal sums; VNNI CPUs have their own
        // kernels for [n, k] rows, and portable C streams the rows as well as panels.
        if format == .int8 {
            return inputs > 0 && canUsePanels(format: format, inputs: inputs, outputs: outputs)
                && isa == .avx2 ? .inputPanels : layout
        }
        guard layout == .inputMajor, inputs > 0 else { return layout }
        let panels = canUsePanels(format: format, inputs: inputs, outputs: outputs)
        switch format {
        case .f32 where panels: return .inputPanels
        // 16-bit panels have vector kernels from AVX2 up; portable C streams [n, k] rows best.
        case .f16, .bf16: return panels && isa >= .avx2 ? .inputPanels : .outputMajor
        default: return layout
        }
    }

    /// This weight in `computeLayout(isa:)` (a rearranged copy, or itself when already there).
    public func inComputeLayout(isa: LinearISA = .detected) -> WeightMatrix {
        let target = computeLayout(isa: isa)
        return target == layout ? self : Quantizer.quantize(self, to: format, layout: target)
    }
}
