import Foundation
import GPT2Kernels

extension GPT2Weights {
    /// Binds every parameter of `config` to the checkpoint's tensors. fp32 tensors are used in
    /// place from the memory map (copied only if the file leaves them misaligned); fp16 and bf16
    /// tensors are widened to fp32 once, since the kernels compute in fp32.
    public static func load(from checkpoint: CheckpointDirectory, config: GPT2Config) throws -> GPT2Weights {
        let accepted: Set<TensorDType> = [.f32, .f16, .bf16]
        func tensor(_ name: String, _ shape: [Int]) throws -> FloatTensor {
            let (file, info) = try checkpoint.require(name, shape: shape, dtypes: accepted)
            return floatTensor(file: file, info: info, shape: shape)
        }
        var head: FloatTensor? = nil
        if checkpoint.tensor("lm_head.weight") != nil {
            let (file, info) = try checkpoint.require("lm_head.weight", shape: [config.vocabSize, config.embeddingSize], dtypes: accepted)
            // A head saved beside a tied wte is a copy of it; share the one in memory.
            if let (wteFile, wteInfo) = checkpoint.tensor("wte.weight"),
               let a = file.bytes(of: info.name), let b = wteFile.bytes(of: wteInfo.name),
               info.dtype == wteInfo.dtype, a.count == b.count, memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 {
                head = nil
            } else {
                head = floatTensor(file: file, info: info, shape: [config.vocabSize, config.embeddingSize])
            }
        }
        return try GPT2Weights(config: config, lmHead: head, tensor: tensor)
    }

    static func floatTensor(file: SafetensorsFile, info: TensorInfo, shape: [Int]) -> FloatTensor {
        let raw = file.data(of: info.name)!
        let count = info.elementCount
        switch info.dtype {
        case .f32 where Int(bitPattern: raw) % MemoryLayout<Float>.alignment == 0:
            return FloatTensor(pointer: raw.assumingMemoryBound(to: Float.self), shape: shape, owner: file)
        case .f32:
            let storage = FloatStorage(count: count)
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: raw, byteCount: count * 4)
            return storage.tensor(shape: shape)
        case .f16:
            let storage = FloatStorage(count: count)
            Kernels.convertF16toF32(raw, to: storage.pointer, count: count)
            return storage.tensor(shape: shape)
        case .bf16:
            let storage = FloatStorage(count: count)
            Kernels.convertBF16toF32(raw, to: storage.pointer, count: count)
            return storage.tensor(shape: shape)
        default:
            preconditionFailure("dtype \(info.dtype) passed the checkpoint's dtype check")
        }
    }
}

extension GPT2Model {
    /// Loads a Hugging Face model directory: `config.json` plus `model.safetensors` or its shards.
    public static func load(directory: URL) throws -> GPT2Model {
        let checkpoint = try CheckpointDirectory(url: directory)
        let config = try GPT2Config.load(from: checkpoint.configURL)
        return GPT2Model(config: config, weights: try GPT2Weights.load(from: checkpoint, config: config))
    }
}
