import Foundation
import GPT2Kernels

extension GPT2Weights {
    /// Writes `config.json` and `model.safetensors` into `directory`, creating it if needed:
    /// vectors as F32, matrices in their own format (see `QuantizedTensorNames`), names as
    /// Hugging Face's GPT2LMHeadModel saves them. fp32/fp16/bf16 files load in transformers.
    /// Each file is written to a temporary name and renamed, so a failure leaves no
    /// half-written file.
    public func save(config: GPT2Config, to directory: URL, metadata: [String: String] = [:]) throws {
        try Self.createFolder(directory)
        var writer = SafetensorsWriter()
        writer.metadata = metadata.merging(["format": "pt"]) { a, _ in a }
        let prefix = CheckpointDirectory.tensorPrefix
        for (name, tensor) in vectors {
            writer.add(name: prefix + name, dtype: .f32, shape: tensor.shape,
                       bytes: UnsafeRawBufferPointer(start: tensor.pointer, count: tensor.elementCount * 4))
        }
        var narrowest: WeightMatrix.Format = .f32
        var all = matrices.map { (prefix + $0.name, $0.weight) }
        if !lmHeadIsTied { all.append(("lm_head.weight", lmHead)) }
        for (name, weight) in all {
            Self.add(weight, named: name, to: &writer)
            if weight.format == .int8 || weight.format == .q4 { narrowest = weight.format }
        }
        if narrowest != .f32 { writer.metadata[QuantizedTensorNames.metadataKey] = narrowest.rawValue }
        try writer.write(to: directory.appendingPathComponent(CheckpointDirectory.singleFileName))
        try AtomicFile.write([Array(config.jsonData())], to: directory.appendingPathComponent("config.json"))
    }

    /// Creates `directory` and its parents, turning Foundation's error into one sentence.
    static func createFolder(_ directory: URL) throws(CheckpointError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .writeFailed(directory, reason: "it is a file, expected a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying?.domain == NSPOSIXErrorDomain
                ? MappedFile.describe(Int32(underlying!.code)) : "the folder cannot be created"
            throw .writeFailed(directory, reason: reason)
        }
    }

    private static func add(_ w: WeightMatrix, named name: String, to writer: inout SafetensorsWriter) {
        // Files keep Hugging Face's layouts whatever the kernels prefer in memory: Conv1D [k, n]
        // for the blocks' weights, [n, k] for wte and lm_head.
        let headOrEmbedding = name.hasSuffix("wte.weight") || name == "lm_head.weight"
        let fileLayout: WeightMatrix.Layout = headOrEmbedding ? .outputMajor : .inputMajor
        var w = w.inFileLayout()
        if (w.format == .f32 || w.format == .f16 || w.format == .bf16) && w.layout != fileLayout {
            w = Quantizer.quantize(w, to: w.format, layout: fileLayout)
        }
        let data = UnsafeRawBufferPointer(start: w.data, count: w.dataByteCount)
        let scales = UnsafeRawBufferPointer(start: w.scales, count: w.scalesByteCount)
        let (k, n) = (w.inputs, w.outputs)
        let shape = w.layout == .inputMajor ? [k, n] : [n, k]
        switch w.format {
        case .f32: writer.add(name: name, dtype: .f32, shape: shape, bytes: data)
        case .f16: writer.add(name: name, dtype: .f16, shape: shape, bytes: data)
        case .bf16: writer.add(name: name, dtype: .bf16, shape: shape, bytes: data)
        case .int8:
            let names = QuantizedTensorNames.int8(name)
            writer.add(name: names.values, dtype: .i8, shape: [n, k], bytes: data)
            writer.add(name: names.scales, dtype: .f32, shape: [n], bytes: scales)
        case .q4:
            let names = QuantizedTensorNames.q4(name)
            writer.add(name: names.values, dtype: .u8, shape: [n, k / 2], bytes: data)
            writer.add(name: names.scales, dtype: .f16, shape: [n, k / WeightMatrix.q4BlockSize], bytes: scales)
        }
    }
}
