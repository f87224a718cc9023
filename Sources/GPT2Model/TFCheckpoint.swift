import Foundation
import GPT2Kernels

/// A GPT-2 TensorFlow checkpoint folder, read without TensorFlow: gpt-2-simple's
/// `checkpoint/run1` and OpenAI's `models/124M`.
///
/// - `checkpoint`: text naming the latest prefix (`model_checkpoint_path: "model-1000"`);
/// - `PREFIX.index`: the tensor bundle's table (`TFBundleIndex`);
/// - `PREFIX.data-00000-of-0000N`: the tensors' bytes, each checked against its crc32c;
/// - `hparams.json`: `n_vocab`, `n_ctx`, `n_embd`, `n_head`, `n_layer`;
/// - `encoder.json`, `vocab.bpe`: the tokenizer (read by `BPETokenizer`).
///
/// Variables are `model/wte` [V, C], `model/wpe` [T, C], `model/hN/ln_1/g` and `/b`,
/// `model/hN/attn/c_attn/w` [1, C, 3C] (Conv1D, like Hugging Face's [k, n]) and `/b`,
/// `model/hN/attn/c_proj`, `model/hN/ln_2`, `model/hN/mlp/c_fc`, `model/hN/mlp/c_proj`,
/// `model/ln_f/g` and `/b`. Optimizer slots (`.../Adam`) and `global_step` are ignored.
public struct TFCheckpoint {
    public let folder: URL
    /// The bundle prefix (`folder/model-1000`).
    public let prefix: URL
    public let config: GPT2Config
    public let index: TFBundleIndex

    /// TensorFlow `DataType` codes this reader widens to fp32.
    static let float = 1, bfloat16 = 14, half = 19

    /// Whether `folder` looks like a TensorFlow checkpoint folder (an index file or a
    /// `checkpoint` file, and no Hugging Face `config.json`).
    public static func isCheckpointFolder(_ folder: URL) -> Bool {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appending(path: "config.json").path) { return false }
        if fm.fileExists(atPath: folder.appending(path: "checkpoint").path) { return true }
        let names = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.contains { $0.hasSuffix(".index") } && fm.fileExists(atPath: folder.appending(path: "hparams.json").path)
    }

    public init(folder: URL) throws {
        self.folder = folder
        prefix = try Self.latestPrefix(folder)
        config = try Self.readHyperparameters(folder.appending(path: "hparams.json"))
        index = try TFBundleIndex(url: URL(fileURLWithPath: prefix.path + ".index"))
    }

    /// The prefix the `checkpoint` file names (relative to the folder, or absolute when that
    /// exists; a stale absolute path from another machine falls back to its last component),
    /// or else the only `.index` file in the folder.
    static func latestPrefix(_ folder: URL) throws -> URL {
        let fm = FileManager.default
        let stateURL = folder.appending(path: "checkpoint")
        if let text = try? String(contentsOf: stateURL, encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("model_checkpoint_path:") {
                guard let first = line.firstIndex(of: "\""), let last = line.lastIndex(of: "\""), first < last else { continue }
                let path = String(line[line.index(after: first)..<last])
                let candidates = path.hasPrefix("/")
                    ? [URL(fileURLWithPath: path), folder.appending(path: (path as NSString).lastPathComponent)]
                    : [folder.appending(path: path)]
                if let found = candidates.first(where: { fm.fileExists(atPath: $0.path + ".index") }) { return found }
                throw CheckpointError.missingFile(URL(fileURLWithPath: candidates.last!.path + ".index"),
                                                  expected: "the checkpoint index that \(stateURL.path) names (\(path))")
            }
        }
        let indexes = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".index") }.sorted()
        guard indexes.count == 1 else {
            throw CheckpointError.missingFile(stateURL, expected: indexes.isEmpty
                ? "a TensorFlow checkpoint (a `checkpoint` file and a .index file)"
                : "a `checkpoint` file saying which of \(indexes.joined(separator: ", ")) is the latest")
        }
        return folder.appending(path: String(indexes[0].dropLast(".index".count)))
    }

    static func readHyperparameters(_ url: URL) throws -> GPT2Config {
        guard let data = try? Data(contentsOf: url) else {
            throw CheckpointError.missingFile(url, expected: "the model's hyperparameters (hparams.json) beside the TensorFlow checkpoint")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigError.unreadable(url, reason: "it is not a JSON object")
        }
        func field(_ name: String, range: ClosedRange<Int>) throws -> Int {
            guard let number = object[name] as? NSNumber, let value = Int(exactly: number.doubleValue), range.contains(value) else {
                throw ConfigError.invalidField(url, field: name, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        let embd = try field("n_embd", range: 1...65_536), heads = try field("n_head", range: 1...1024)
        guard embd % heads == 0 else { throw ConfigError.invalidField(url, field: "n_head", expected: "a divisor of n_embd (\(embd))") }
        let vocab = try field("n_vocab", range: 1...65_536)
        return GPT2Config(vocabSize: vocab, contextLength: try field("n_ctx", range: 1...65_536),
                          embeddingSize: embd, layerCount: try field("n_layer", range: 1...1024), headCount: heads,
                          endOfTextID: endOfTextID(encoder: url.deletingLastPathComponent().appending(path: "encoder.json"),
                                                   vocabularySize: vocab))
    }

    /// `<|endoftext|>`'s id in the folder's `encoder.json`; without one, GPT-2's 50256 (or the
    /// last id of a smaller vocabulary).
    static func endOfTextID(encoder: URL, vocabularySize: Int) -> Int {
        if let data = try? Data(contentsOf: encoder),
           let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
           let id = (object["<|endoftext|>"] as? NSNumber)?.intValue, id >= 0, id < vocabularySize {
            return id
        }
        return min(50256, vocabularySize - 1)
    }

    /// The TensorFlow variable of a Hugging Face parameter name (`h.3.attn.c_attn.weight` ->
    /// `model/h3/attn/c_attn/w`, `h.3.ln_1.weight` -> `model/h3/ln_1/g`).
    public static func variableName(_ name: String) -> String {
        var parts = name.split(separator: ".").map(String.init)
        if parts.count >= 2 && parts[0] == "h" { parts = ["h" + parts[1]] + parts.dropFirst(2) }
        guard let last = parts.last else { return "model/" + name }
        let isNorm = parts.count >= 2 && parts[parts.count - 2].hasPrefix("ln_")
        let leaf: String
        switch last {
        case "weight": leaf = parts.first == "wte" || parts.first == "wpe" ? "" : (isNorm ? "g" : "w")
        case "bias": leaf = "b"
        default: leaf = last
        }
        let path = (leaf.isEmpty ? parts.dropLast() : parts.dropLast() + [leaf]).joined(separator: "/")
        return "model/" + path
    }

    /// The variable `name` (TensorFlow spelling) as fp32, after checking its shape's element
    /// count, its bounds in its shard and its crc32c.
    public func tensor(_ name: String, elements expected: Int, shards: ShardCache) throws -> FloatStorage {
        let indexURL = index.url
        guard let entry = index.entries[name] else { throw CheckpointError.missingTensor(indexURL, tensor: name) }
        guard !entry.isSliced else {
            throw CheckpointError.invalidTensor(indexURL, tensor: name, reason: "it is a partitioned variable, which this reader does not support")
        }
        let count = entry.shape.reduce(1, *)
        guard count == expected, entry.shape.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError.invalidTensor(indexURL, tensor: name, reason: "its shape \(entry.shape) holds \(count) values where the hyperparameters call for \(expected)")
        }
        let width: Int
        switch entry.dtype {
        case Self.float: width = 4
        case Self.half, Self.bfloat16: width = 2
        default: throw CheckpointError.invalidTensor(indexURL, tensor: name, reason: "its TensorFlow dtype \(entry.dtype) is not float, half or bfloat16")
        }
        guard entry.size == count * width else {
            throw CheckpointError.invalidTensor(indexURL, tensor: name, reason: "it is stored in \(entry.size) bytes where \(count) values of \(width) bytes need \(count * width)")
        }
        guard entry.shard >= 0 && entry.shard < index.shardCount else {
            throw CheckpointError.invalidTensor(indexURL, tensor: name, reason: "it names data shard \(entry.shard) of \(index.shardCount)")
        }
        let shardURL = URL(fileURLWithPath: prefix.path + String(format: ".data-%05d-of-%05d", entry.shard, index.shardCount))
        if shards.files[entry.shard] == nil {
            shards.files[entry.shard] = try MappedFile(url: shardURL, expected: "a data shard of the TensorFlow checkpoint")
        }
        let shard = shards.files[entry.shard]!
        guard entry.offset >= 0, entry.offset + entry.size <= shard.bytes.count else {
            throw CheckpointError.truncated(shardURL, expectedBytes: entry.offset + entry.size, actualBytes: shard.bytes.count)
        }
        let raw = UnsafeRawBufferPointer(rebasing: shard.bytes[entry.offset..<(entry.offset + entry.size)])
        guard CRC32C.checksum(raw) == entry.crc32c else {
            throw CheckpointError.invalidTensor(shardURL, tensor: name, reason: "its bytes fail the crc32c check of the index (the shard is corrupted)")
        }
        let storage = FloatStorage(count: count)
        switch entry.dtype {
        case Self.float: UnsafeMutableRawPointer(storage.pointer).copyMemory(from: raw.baseAddress!, byteCount: entry.size)
        case Self.half: Kernels.convertF16toF32(raw.baseAddress!, to: storage.pointer, count: count)
        default: Kernels.convertBF16toF32(raw.baseAddress!, to: storage.pointer, count: count)
        }
        return storage
    }

    /// The model's weights, fp32, in the layouts the kernels compute from.
    public func weights() throws -> GPT2Weights {
        let shards = ShardCache()
        let source = GPT2Weights.Source(
            vector: { name, shape in
                let storage = try tensor(Self.variableName(name), elements: shape.reduce(1, *), shards: shards)
                return storage.tensor(shape: shape)
            },
            matrix: { name, k, n, layout in
                let storage = try tensor(Self.variableName(name), elements: k * n, shards: shards)
                return WeightMatrix(f32: storage.pointer, layout: layout, inputs: k, outputs: n, owner: storage).inComputeLayout()
            })
        return try GPT2Weights(config: config, source: source)
    }
}

/// The data shards opened so far while reading one checkpoint.
public final class ShardCache {
    var files: [Int: MappedFile] = [:]
    public init() {}
}

extension GPT2Model {
    /// Loads a TensorFlow GPT-2 checkpoint folder (`TFCheckpoint`).
    public static func load(tensorFlowFolder folder: URL) throws -> GPT2Model {
        let checkpoint = try TFCheckpoint(folder: folder)
        return GPT2Model(config: checkpoint.config, weights: try checkpoint.weights())
    }
}
