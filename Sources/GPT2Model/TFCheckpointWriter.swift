import Foundation
import GPT2Kernels

/// Writes GPT-2 weights as a gpt-2-simple / OpenAI TensorFlow checkpoint folder (the inverse of
/// `TFCheckpoint`): `model-STEP.index` (a one-data-block table of `BundleEntryProto` records),
/// `model-STEP.data-00000-of-00001`, a `checkpoint` file with a relative path, and
/// `hparams.json`. Weights are written fp32 (what gpt-2-simple and OpenAI's code load), Conv1D
/// weights as [1, in, out]. Tokenizer files are the caller's (`encoder.json`, `vocab.bpe`).
public enum TFCheckpointWriter {
    /// Writes `weights` into `folder` (created if needed), naming the bundle `model-STEP`.
    /// Every file goes through a temporary file and a rename, so an interrupted write never
    /// leaves a half-written checkpoint under its final name.
    public static func write(_ weights: GPT2Weights, config: GPT2Config, to folder: URL, step: Int = 1) throws {
        guard weights.lmHeadIsTied else {
            throw CheckpointError.writeFailed(folder, reason: "GPT-2's TensorFlow checkpoints tie the output layer to wte, and this model has a separate lm_head")
        }
        guard config.layerNormEpsilon == 1e-5, config.innerSize == 4 * config.embeddingSize else {
            throw CheckpointError.writeFailed(folder, reason: "hparams.json has no field for this model's layer_norm_epsilon (\(config.layerNormEpsilon)) or n_inner (\(config.innerSize)); GPT-2's TensorFlow code assumes 1e-5 and 4 x n_embd")
        }
        var tensors: [(name: String, shape: [Int], values: FloatStorage)] = []
        for (name, tensor) in weights.vectors {
            let storage = FloatStorage(count: tensor.elementCount)
            storage.pointer.update(from: tensor.pointer, count: tensor.elementCount)
            tensors.append((TFCheckpoint.variableName(name), tensor.shape, storage))
        }
        for (name, weight) in weights.matrices {
            let embedding = name == "wte.weight"
            // Files hold [V, C] for wte and [in, out] for Conv1D weights, fp32.
            let wide = weight.widenedToF32().inFileLayout()
            let target: WeightMatrix.Layout = embedding ? .outputMajor : .inputMajor
            let stored = wide.layout == target ? wide : Quantizer.quantize(wide, to: .f32, layout: target)
            let count = weight.inputs * weight.outputs
            let storage = FloatStorage(count: count)
            UnsafeMutableRawPointer(storage.pointer).copyMemory(from: stored.data, byteCount: count * 4)
            let shape = embedding ? [weight.outputs, weight.inputs] : [1, weight.inputs, weight.outputs]
            tensors.append((TFCheckpoint.variableName(name), shape, storage))
        }
        tensors.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }

        var data: [UInt8] = []
        var records: [([UInt8], [UInt8])] = [([], header())]
        for tensor in tensors {
            let bytes = UnsafeRawBufferPointer(start: tensor.values.pointer, count: tensor.values.count * 4)
            records.append((Array(tensor.name.utf8), entry(shape: tensor.shape, offset: data.count, size: bytes.count,
                                                           crc: CRC32C.checksum(bytes))))
            data.append(contentsOf: bytes)
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.writeFailed(folder, reason: "the folder cannot be created")
        }
        let prefix = "model-\(step)"
        try AtomicFile.write([data], to: folder.appending(path: prefix + ".data-00000-of-00001"))
        try AtomicFile.write([table(records)], to: folder.appending(path: prefix + ".index"))
        let hparams = "{\n  \"n_vocab\": \(config.vocabSize),\n  \"n_ctx\": \(config.contextLength),\n  \"n_embd\": \(config.embeddingSize),\n  \"n_head\": \(config.headCount),\n  \"n_layer\": \(config.layerCount)\n}\n"
        try AtomicFile.write([Array(hparams.utf8)], to: folder.appending(path: "hparams.json"))
        let state = "model_checkpoint_path: \"\(prefix)\"\nall_model_checkpoint_paths: \"\(prefix)\"\n"
        try AtomicFile.write([Array(state.utf8)], to: folder.appending(path: "checkpoint"))
    }

    // MARK: protobuf records

    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func field(_ number: Int, varint value: UInt64, into out: inout [UInt8]) {
        varint(UInt64(number << 3), into: &out)
        varint(value, into: &out)
    }

    static func field(_ number: Int, bytes value: [UInt8], into out: inout [UInt8]) {
        varint(UInt64(number << 3 | 2), into: &out)
        varint(UInt64(value.count), into: &out)
        out.append(contentsOf: value)
    }

    /// BundleHeaderProto: one shard, little-endian (the default), version { producer: 1 }.
    static func header() -> [UInt8] {
        var version: [UInt8] = []
        field(1, varint: 1, into: &version)
        var out: [UInt8] = []
        field(1, varint: 1, into: &out)
        field(3, bytes: version, into: &out)
        return out
    }

    /// BundleEntryProto of an fp32 tensor in shard 0.
    static func entry(shape: [Int], offset: Int, size: Int, crc: UInt32) -> [UInt8] {
        var shapeProto: [UInt8] = []
        for size in shape {
            var dim: [UInt8] = []
            field(1, varint: UInt64(size), into: &dim)
            field(2, bytes: dim, into: &shapeProto)
        }
        var out: [UInt8] = []
        field(1, varint: 1, into: &out)  // DT_FLOAT
        field(2, bytes: shapeProto, into: &out)
        if offset > 0 { field(4, varint: UInt64(offset), into: &out) }
        field(5, varint: UInt64(size), into: &out)
        varint(UInt64(6 << 3 | 5), into: &out)
        let masked = CRC32C.mask(crc)
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: masked >> (8 * UInt32(i)))) }
        return out
    }

    // MARK: LevelDB table

    /// A block of sorted entries with a restart point at every entry (no prefix sharing).
    static func block(_ entries: [([UInt8], [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var restarts: [UInt32] = []
        for (key, value) in entries {
            restarts.append(UInt32(out.count))
            varint(0, into: &out)
            varint(UInt64(key.count), into: &out)
            varint(UInt64(value.count), into: &out)
            out.append(contentsOf: key)
            out.append(contentsOf: value)
        }
        if restarts.isEmpty { restarts = [0] }
        for r in restarts + [UInt32(restarts.count)] {
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: r >> (8 * UInt32(i)))) }
        }
        return out
    }

    /// Appends `contents` and its trailer (no compression, masked crc32c) to `file`; returns
    /// its handle.
    static func append(_ contents: [UInt8], to file: inout [UInt8]) -> (offset: Int, size: Int) {
        let handle = (file.count, contents.count)
        file.append(contentsOf: contents)
        file.append(0)
        let crc = CRC32C.mask(CRC32C.checksum(contents + [0]))
        for i in 0..<4 { file.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i)))) }
        return handle
    }

    /// The table file of `records` (sorted by key): one data block, an empty metaindex block,
    /// an index block pointing at the data block, and the footer.
    static func table(_ records: [([UInt8], [UInt8])]) -> [UInt8] {
        var file: [UInt8] = []
        let dataHandle = append(block(records), to: &file)
        let metaHandle = append(block([]), to: &file)
        var handle: [UInt8] = []
        varint(UInt64(dataHandle.offset), into: &handle)
        varint(UInt64(dataHandle.size), into: &handle)
        let indexHandle = append(block([(records.last?.0 ?? [], handle)]), to: &file)
        var footer: [UInt8] = []
        for value in [metaHandle.offset, metaHandle.size, indexHandle.offset, indexHandle.size] {
            varint(UInt64(value), into: &footer)
        }
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        for i in 0..<8 { footer.append(UInt8(truncatingIfNeeded: TFBundleIndex.magic >> (8 * UInt64(i)))) }
        return file + footer
    }
}
