import Foundation
import GPT2Kernels

extension WeightMatrix {
    /// The layout the model computes this weight from, as `GPT2Weights.load` gives it: fp32
    /// [k, n] with n a multiple of 16 in `inputPanels`, fp16 / bf16 [k, n] in `inputPanels` too
    /// on AVX2 and AVX-512 CPUs (n a multiple of 16), else transposed to [n, k]; q4 in `inputPanels`;
    /// int8 in `inputPanels` on CPUs whose best level is AVX2 (k even); otherwise its own layout.
    public var computeLayout: WeightMatrix.Layout {
        Self.computeLayout(format: format, layout: layout, inputs: inputs, outputs: outputs)
    }

    /// `computeLayout` of a weight of this format, stored layout and shape.
    public static func computeLayout(format: Format, layout: Layout, inputs: Int, outputs: Int) -> Layout {
        if format == .q4 { return inputs > 0 ? .inputPanels : layout }
        // int8 panels feed AVX2's vpmaddwd with no horizontal sums; VNNI CPUs have their own
        // kernels for [n, k] rows, and portable C streams the rows as well as panels.
        if format == .int8 {
            return inputs > 0 && canUsePanels(format: format, inputs: inputs, outputs: outputs)
                && LinearISA.detected == .avx2 ? .inputPanels : layout
        }
        guard layout == .inputMajor, inputs > 0 else { return layout }
        let panels = canUsePanels(format: format, inputs: inputs, outputs: outputs)
        switch format {
        case .f32 where panels: return .inputPanels
        // 16-bit panels have vector kernels from AVX2 up; portable C streams [n, k] rows best.
        case .f16, .bf16: return panels && LinearISA.detected >= .avx2 ? .inputPanels : .outputMajor
        default: return layout
        }
    }

    /// This weight in `computeLayout` (a rearranged copy, or itself when already there).
    public func inComputeLayout() -> WeightMatrix {
        let target = computeLayout
        return target == layout ? self : Quantizer.quantize(self, to: format, layout: target)
    }

    /// This weight as fp32 in its own layout: itself when already fp32, otherwise a widened
    /// copy (fp16/bf16 exactly, int8/q4 dequantized).
    public func widenedToF32() -> WeightMatrix {
        if format == .f32 { return self }
        let count = inputs * outputs
        let storage = FloatStorage(count: count)
        switch format {
        case .f16: Kernels.convertF16toF32(data, to: storage.pointer, count: count)
        case .bf16: Kernels.convertBF16toF32(data, to: storage.pointer, count: count)
        default:
            for j in 0..<outputs {
                for p in 0..<inputs {
                    storage.pointer[j * inputs + p] = NaiveKernels.weightValue(self, input: p, output: j)
                }
            }
            return WeightMatrix(f32: storage.pointer, layout: .outputMajor, inputs: inputs, outputs: outputs, owner: storage)
        }
        return WeightMatrix(f32: storage.pointer, layout: layout, inputs: inputs, outputs: outputs, owner: storage)
    }
}

/// Why a model cannot be converted to a weight format.
public enum ConversionError: Error, LocalizedError, Equatable {
    case alreadyQuantized(URL?, format: String)
    case shapeNotBlockAligned(field: String, value: Int, block: Int)

    public var errorDescription: String? {
        switch self {
        case let .alreadyQuantized(url, format):
            return "\(url?.path ?? "The model") already holds \(format) weights; quantize from an f32, f16 or bf16 model instead, since quantizing twice compounds the rounding error."
        case let .shapeNotBlockAligned(field, value, block):
            return "4-bit weights need \(field) to be a multiple of \(block), but it is \(value); use int8 for this model."
        }
    }
}

extension GPT2Weights {
    /// These weights with every matrix in `format`; vectors stay fp32.
    /// - f32, f16, bf16: all matrices (wte too), the LM head stays as tied or untied as it was;
    ///   fp16/bf16 files remain loadable by Hugging Face transformers.
    /// - int8, q4: the blocks' matrices and an untied LM head are quantized (`quantize` turns an
    ///   fp32 weight into `format`); wte is kept as f16 for embedding lookups.
    public func converted(to format: WeightMatrix.Format, config: GPT2Config,
                          quantize: (WeightMatrix, WeightMatrix.Format) -> WeightMatrix) throws -> GPT2Weights {
        if let quantized = matrices.first(where: { $0.weight.format == .int8 || $0.weight.format == .q4 })?.weight.format
            ?? (lmHead.format == .int8 || lmHead.format == .q4 ? lmHead.format : nil) {
            throw ConversionError.alreadyQuantized(nil, format: quantized.rawValue)
        }
        if format == .q4 {
            let block = WeightMatrix.q4BlockSize
            if config.embeddingSize % block != 0 { throw ConversionError.shapeNotBlockAligned(field: "n_embd", value: config.embeddingSize, block: block) }
            if config.innerSize % block != 0 { throw ConversionError.shapeNotBlockAligned(field: "n_inner", value: config.innerSize, block: block) }
        }
        let isQuantized = format == .int8 || format == .q4
        var converted: [String: WeightMatrix] = [:]
        for (name, weight) in matrices {
            let target: WeightMatrix.Format = (name == "wte.weight" && isQuantized) ? .f16 : format
            converted[name] = target == weight.format ? weight : quantize(weight.widenedToF32(), target).inComputeLayout()
        }
        var head: WeightMatrix? = nil
        if isQuantized || !lmHeadIsTied {
            head = quantize(lmHead.widenedToF32(), format).inComputeLayout()
        }
        let byName = Dictionary(uniqueKeysWithValues: vectors.map { ($0.name, $0.tensor) })
        let source = Source(vector: { name, _ in byName[name]! }, matrix: { name, _, _, _ in converted[name]! },
                            untiedHead: head)
        return try GPT2Weights(config: config, source: source)
    }
}
