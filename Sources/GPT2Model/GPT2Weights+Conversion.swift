import Foundation
import GPT2Kernels

extension WeightMatrix {
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

extension GPT2Weights {
    /// These weights with every matrix in the layout that loading them gives on a CPU whose best
    /// level is `isa` (`WeightMatrix.computeLayout(isa:)` of the file's layout), so that a model
    /// can run as it would at each level this machine supports: the weights and the kernels of
    /// that level. Values are kept exactly (only rearranged).
    public func inComputeLayout(isa: LinearISA, config: GPT2Config) throws -> GPT2Weights {
        func relaid(_ weight: WeightMatrix) -> WeightMatrix {
            let file = weight.inFileLayout()
            let target = file.computeLayout(isa: isa)
            return target == weight.layout ? weight : Quantizer.quantize(file, to: file.format, layout: target)
        }
        var matrixByName: [String: WeightMatrix] = [:]
        for (name, weight) in matrices { matrixByName[name] = relaid(weight) }
        let vectorByName = Dictionary(uniqueKeysWithValues: vectors.map { ($0.name, $0.tensor) })
        let source = Source(vector: { name, _ in vectorByName[name]! }, matrix: { name, _, _, _ in matrixByName[name]! },
                            untiedHead: lmHeadIsTied ? nil : relaid(lmHead))
        return try GPT2Weights(config: config, source: source)
    }
}
