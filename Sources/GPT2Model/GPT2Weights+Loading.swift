import Foundation
import GPT2Kernels

extension GPT2Weights {
    /// Binds every parameter of `config` to the checkpoint's tensors, without copying what is
    /// already in a format the kernels compute from: fp32, fp16, bf16, int8 and q4 matrices are
    /// used in place from the memory map. Vectors (LayerNorm, biases, wpe) are widened to fp32.
    ///
    /// Refuses, before binding anything, weights that hold NaN or infinite values and weights
    /// with tensors `config` would leave unused (see `CheckpointDirectory.requireExactTensors`).
    public static func load(from checkpoint: CheckpointDirectory, config: GPT2Config) throws -> GPT2Weights {
        try checkpoint.requireExactTensors(for: config)
        try checkpoint.requireFiniteValues()
        let floats: Set<TensorDType> = [.f32, .f16, .bf16]
        let vector: (String, [Int]) throws -> FloatTensor = { name, shape in
            let (file, info) = try checkpoint.require(name, shape: shape, dtypes: floats)
            return floatTensor(file: file, info: info, shape: shape)
        }
        let matrix: (String, Int, Int, WeightMatrix.Layout) throws -> WeightMatrix = { name, k, n, layout in
            try loadMatrix(checkpoint, name: name, inputs: k, outputs: n, layout: layout)
        }
        var head: WeightMatrix? = nil
        let headName = "lm_head.weight"
        let quantizedHead = checkpoint.tensor(QuantizedTensorNames.int8(headName).values) != nil
            || checkpoint.tensor(QuantizedTensorNames.q4(headName).values) != nil
        if quantizedHead || checkpoint.tensor(headName) != nil {
            let (c, v) = (config.embeddingSize, config.vocabSize)
            if !quantizedHead, isCopyOfEmbedding(checkpoint) {
                head = nil   // a head saved beside a tied wte is the same tensor: share the one in memory
            } else {
                head = try loadMatrix(checkpoint, name: headName, inputs: c, outputs: v, layout: .outputMajor)
            }
        }
        return try GPT2Weights(config: config, source: Source(vector: vector, matrix: matrix, untiedHead: head))
    }

    private static func isCopyOfEmbedding(_ checkpoint: CheckpointDirectory) -> Bool {
        guard let (file, info) = checkpoint.tensor("lm_head.weight"), let (wteFile, wteInfo) = checkpoint.tensor("wte.weight"),
              info.dtype == wteInfo.dtype, let a = file.bytes(of: info.name), let b = wteFile.bytes(of: wteInfo.name),
              a.count == b.count else { return false }
        return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// A linear weight in whichever format the checkpoint stores it (see `QuantizedTensorNames`).
    static func loadMatrix(_ checkpoint: CheckpointDirectory, name: String, inputs k: Int, outputs n: Int,
                           layout: WeightMatrix.Layout) throws -> WeightMatrix {
        let int8 = QuantizedTensorNames.int8(name), q4 = QuantizedTensorNames.q4(name)
        if checkpoint.tensor(int8.values) != nil {
            let (file, info) = try checkpoint.require(int8.values, shape: [n, k], dtypes: [.i8])
            let (scaleFile, scaleInfo) = try checkpoint.require(int8.scales, shape: [n], dtypes: [.f32])
            let scales = aligned(scaleFile, scaleInfo, alignment: 4)
            guard WeightMatrix.computeLayout(format: .int8, layout: .outputMajor, inputs: k, outputs: n) == .inputPanels else {
                return WeightMatrix(format: .int8, layout: .outputMajor, inputs: k, outputs: n,
                                    data: file.data(of: info.name)!, scales: scales.pointer,
                                    owner: Retained([checkpoint, scales.owner]))
            }
            // Files hold int8 output-major; AVX2 streams 16-output panels (WeightMatrix.int8Position).
            let data = rearranged(file, info, change: "int8 \(WeightMatrix.Layout.inputPanels)") { source, target in
                Kernels.rearrangeInt8Panels(source, k: k, n: n, into: target, toPanels: true)
            }
            return WeightMatrix(format: .int8, layout: .inputPanels, inputs: k, outputs: n, data: data.pointer,
                                scales: scales.pointer, owner: Retained([checkpoint, scales.owner, data.owner]))
        }
        if checkpoint.tensor(q4.values) != nil {
            let block = WeightMatrix.q4BlockSize
            guard k % block == 0 else {
                throw CheckpointError.wrongShape(checkpoint.url, tensor: q4.values, expected: [n, k / 2], actual: [n, k / 2])
            }
            let (file, info) = try checkpoint.require(q4.values, shape: [n, k / 2], dtypes: [.u8])
            let (scaleFile, scaleInfo) = try checkpoint.require(q4.scales, shape: [n, k / block], dtypes: [.f16])
            // Files hold q4 output-major; the kernels stream 16-output panels (WeightMatrix.q4Position).
            let data = rearranged(file, info, change: "q4 \(WeightMatrix.Layout.inputPanels)") { source, target in
                Kernels.packQ4Panels(source, k: k, n: n, into: target)
            }
            let scales = rearranged(scaleFile, scaleInfo, change: "q4 \(WeightMatrix.Layout.inputPanels)") { source, target in
                Kernels.rearrangeQ4PanelScales(source, k: k, n: n, into: target, toPanels: true)
            }
            return WeightMatrix(format: .q4, layout: .inputPanels, inputs: k, outputs: n, data: data.pointer,
                                scales: scales.pointer, owner: Retained([checkpoint, data.owner, scales.owner]))
        }
        let shape = layout == .inputMajor ? [k, n] : [n, k]
        let (file, info) = try checkpoint.require(name, shape: shape, dtypes: [.f32, .f16, .bf16])
        let format: WeightMatrix.Format = info.dtype == .f32 ? .f32 : info.dtype == .f16 ? .f16 : .bf16
        let target = WeightMatrix.computeLayout(format: format, layout: layout, inputs: k, outputs: n)
        guard target != layout else {
            let data = aligned(file, info, alignment: info.dtype.byteSize)
            return WeightMatrix(format: format, layout: layout, inputs: k, outputs: n, data: data.pointer,
                                owner: Retained([checkpoint, data.owner]))
        }
        // Conv1D weights into 16-column panels, or fp16 / bf16 ones off AVX-512 to [n, k].
        let data = rearranged(file, info, change: "\(target)") { source, destination in
            Quantizer.rearrange(WeightMatrix(format: format, layout: layout, inputs: k, outputs: n, data: source, owner: nil),
                                to: target, into: destination)
        }
        return WeightMatrix(format: format, layout: target, inputs: k, outputs: n, data: data.pointer,
                            owner: Retained([checkpoint, data.owner]))
    }

    /// A tensor's bytes rearranged by `pack(source, target)` into the layout the kernels stream
    /// fastest, in place in the checkpoint's memory (the file itself is untouched) so the model
    /// still holds one copy of its weights; into a new buffer only when the tensor is misaligned
    /// or its pages cannot be written. `change` names the rearrangement, so a second load of the
    /// same checkpoint finds it done.
    private static func rearranged(_ file: SafetensorsFile, _ info: TensorInfo, change: String,
                                   _ pack: (UnsafeRawPointer, UnsafeMutableRawPointer) -> Void) -> (pointer: UnsafeRawPointer, owner: AnyObject) {
        if file.isNaturallyAligned(info.name) == true {
            let done = file.rewriteOnce(info.name, change: change) { bytes in
                let original = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
                defer { original.deallocate() }
                original.copyMemory(from: UnsafeRawBufferPointer(bytes))
                pack(UnsafeRawPointer(original.baseAddress!), bytes.baseAddress!)
            }
            if done { return (file.data(of: info.name)!, file) }
        }
        let source = aligned(file, info, alignment: info.dtype.byteSize)
        let copy = RawStorage(byteCount: info.byteCount)
        withExtendedLifetime(source.owner) { pack(source.pointer, copy.pointer) }
        return (UnsafeRawPointer(copy.pointer), copy)
    }

    /// The tensor's bytes in place, or an aligned copy when the file leaves them misaligned.
    private static func aligned(_ file: SafetensorsFile, _ info: TensorInfo, alignment: Int) -> (pointer: UnsafeRawPointer, owner: AnyObject) {
        let raw = file.data(of: info.name)!
        if Int(bitPattern: raw) % alignment == 0 { return (raw, file) }
        let copy = RawStorage(byteCount: info.byteCount)
        copy.pointer.copyMemory(from: raw, byteCount: info.byteCount)
        return (UnsafeRawPointer(copy.pointer), copy)
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
    /// A TensorFlow checkpoint folder (gpt-2-simple, OpenAI) is read by `TFCheckpoint`.
    public static func load(directory: URL) throws -> GPT2Model {
        if TFCheckpoint.isCheckpointFolder(directory) { return try load(tensorFlowFolder: directory) }
        let checkpoint = try CheckpointDirectory(url: directory)
        let config = try GPT2Config.load(from: checkpoint.configURL)
        return GPT2Model(config: config, weights: try GPT2Weights.load(from: checkpoint, config: config))
    }
}
