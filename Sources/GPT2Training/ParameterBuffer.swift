import Foundation
import GPT2Kernels
import GPT2Model

/// Every parameter of a GPT-2 model (tied LM head) in one contiguous, 64-byte aligned fp32
/// buffer, in `ParameterLayout` order and Hugging Face's file layouts: wte [V, C], wpe [P, C],
/// the linear weights in Conv1D's [in, out]. The same layout serves the weights, their
/// gradients and the optimizer's moments, so an optimizer walks them all as flat arrays.
public final class ParameterBuffer: @unchecked Sendable {
    public let config: GPT2Config
    /// The parameters in order, with their shapes.
    public let entries: [ParameterLayout.Entry]
    /// Where each entry starts, in elements.
    public let offsets: [Int]
    /// Total elements.
    public let count: Int
    public let storage: FloatStorage
    private let index: [String: Int]

    /// A zero-filled buffer for `config`.
    public init(config: GPT2Config) {
        self.config = config
        entries = ParameterLayout.entries(for: config)
        var offsets: [Int] = [], offset = 0
        for entry in entries {
            offsets.append(offset)
            offset += entry.elementCount
        }
        self.offsets = offsets
        count = offset
        storage = FloatStorage(count: offset)
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// A buffer with the same layout and zeros (for gradients and moments).
    public func zerosLike() -> ParameterBuffer { ParameterBuffer(config: config) }

    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// The first element of parameter `name` (a `ParameterLayout` name such as "h.0.ln_1.weight").
    public func pointer(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let i = index[name] else { preconditionFailure("no parameter named \(name)") }
        return storage.pointer + offsets[i]
    }

    /// The index of entry `name` in `entries`, if it exists.
    public func entryIndex(_ name: String) -> Int? { index[name] }

    /// Copies every element from `other` (same layout).
    public func copy(from other: ParameterBuffer) {
        precondition(other.count == count, "parameter buffers of different models")
        storage.pointer.update(from: other.storage.pointer, count: count)
    }

    /// The parameters of a loaded model, widened to fp32 (f16 and bf16 exactly).
    ///
    /// - Throws: `TrainingError.notTrainable` for a quantized (int8, q4) model or an untied LM head.
    public convenience init(model: GPT2Model) throws {
        self.init(config: model.config)
        let weights = model.weights
        guard weights.lmHeadIsTied else {
            throw TrainingError.notTrainable("its LM head is not tied to the token embedding (wte), which GPT-2 fine-tuning expects")
        }
        for (name, tensor) in weights.vectors {
            pointer(name).update(from: tensor.pointer, count: tensor.elementCount)
        }
        for (name, matrix) in weights.matrices {
            var w = matrix.inFileLayout()
            guard w.format == .f32 || w.format == .f16 || w.format == .bf16 else {
                throw TrainingError.notTrainable("it is quantized (\(w.format.rawValue) \(name)); fine-tune the fp32, fp16 or bf16 model it was made from")
            }
            w = w.widenedToF32()
            let fileLayout: WeightMatrix.Layout = name == "wte.weight" ? .outputMajor : .inputMajor
            if w.layout != fileLayout { w = Quantizer.quantize(w, to: .f32, layout: fileLayout) }
            UnsafeMutableRawPointer(pointer(name)).copyMemory(from: w.data, byteCount: w.dataByteCount)
        }
    }

    /// A `GPT2Weights` that views this buffer (no copy, fp32 in the file layouts); the weights
    /// keep the buffer's storage alive.
    public func weights() throws -> GPT2Weights {
        let source = GPT2Weights.Source(
            vector: { name, shape in self.storage.tensor(offset: self.offsets[self.index[name]!], shape: shape) },
            matrix: { name, k, n, layout in
                WeightMatrix(f32: UnsafePointer(self.pointer(name)), layout: layout, inputs: k, outputs: n,
                             owner: self.storage)
            })
        return try GPT2Weights(config: config, source: source)
    }

    /// Writes config.json and model.safetensors (fp32, Hugging Face names, tied head) into the
    /// existing folder `directory`, each file atomically, streaming the tensors from this buffer.
    public func save(to directory: URL, metadata: [String: String] = [:]) throws {
        try StreamedSafetensors.saveModel(self, to: directory, metadata: metadata)
    }
}
