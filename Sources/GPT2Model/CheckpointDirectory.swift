import Foundation

/// A Hugging Face model directory: `config.json` plus either `model.safetensors` or shards
/// (`model-00001-of-00002.safetensors`, ...) listed by `model.safetensors.index.json`
/// (`{"metadata": {...}, "weight_map": {"tensor name": "shard file name"}}`).
///
/// `init` opens (memory-maps) and validates every weights file and checks the index against
/// the shards, so a loaded directory has every tensor its index promises.
///
/// Tensor names are looked up with or without the `transformer.` prefix: the `gpt2` repository
/// stores `h.0.attn.c_attn.weight`, while `GPT2LMHeadModel.save_pretrained` writes
/// `transformer.h.0.attn.c_attn.weight`; either spelling finds either file.
public final class CheckpointDirectory: @unchecked Sendable {
    /// File name of a single-file checkpoint.
    public static let singleFileName = "model.safetensors"
    /// File name of the shard index of a sharded checkpoint.
    public static let indexFileName = "model.safetensors.index.json"
    /// The prefix HF's `GPT2LMHeadModel` puts before the body's tensor names.
    public static let tensorPrefix = "transformer."

    /// The directory.
    public let url: URL
    /// `url/config.json` (checked to exist, not parsed here).
    public let configURL: URL
    /// `url/model.safetensors.index.json` when the checkpoint is sharded, else nil.
    public let indexURL: URL?
    /// The weights files: the single file, or the shards sorted by file name.
    public let files: [SafetensorsFile]

    /// Tensor name as stored -> (index into `files`, info).
    private let locations: [String: (file: Int, info: TensorInfo)]

    /// Opens the directory at `url`.
    ///
    /// - Throws: `CheckpointError.missingFile` (the directory, `config.json`, the weights, or a
    ///   shard named by the index), `.notADirectory`, `.badIndex`, `.missingTensor` (an indexed
    ///   tensor absent from its shard), or any error of `SafetensorsFile.init`.
    public init(url: URL) throws(CheckpointError) {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .missingFile(url, expected: "a model directory holding config.json and model.safetensors")
        }
        guard isDirectory.boolValue else { throw .notADirectory(url) }

        let configURL = url.appending(path: "config.json")
        guard fileManager.fileExists(atPath: configURL.path) else {
            throw .missingFile(configURL, expected: "the model configuration (config.json) of the checkpoint")
        }

        let indexURL = url.appending(path: Self.indexFileName)
        let singleURL = url.appending(path: Self.singleFileName)
        var files: [SafetensorsFile] = []
        var locations: [String: (file: Int, info: TensorInfo)] = [:]

        if fileManager.fileExists(atPath: indexURL.path) {
            let weightMap = try Self.readWeightMap(indexURL)
            let shardNames = Set(weightMap.values).sorted()
            for name in shardNames {
                let shardURL = url.appending(path: name)
                guard fileManager.fileExists(atPath: shardURL.path) else {
                    throw .missingFile(shardURL, expected: "a shard named by \(Self.indexFileName)")
                }
                files.append(try SafetensorsFile(url: shardURL))
            }
            for (tensor, shard) in weightMap {
                let index = shardNames.firstIndex(of: shard)!
                guard let info = files[index].tensors[tensor] else {
                    throw .missingTensor(files[index].url, tensor: tensor)
                }
                locations[tensor] = (index, info)
            }
            self.indexURL = indexURL
        } else if fileManager.fileExists(atPath: singleURL.path) {
            let file = try SafetensorsFile(url: singleURL)
            files = [file]
            for (name, info) in file.tensors { locations[name] = (0, info) }
            self.indexURL = nil
        } else {
            var expected = "the model weights (\(Self.singleFileName), or shards with \(Self.indexFileName))"
            if fileManager.fileExists(atPath: url.appending(path: "pytorch_model.bin").path) {
                expected += "; pytorch_model.bin is not read, convert it to safetensors first"
            }
            throw .missingFile(singleURL, expected: expected)
        }

        self.url = url
        self.configURL = configURL
        self.files = files
        self.locations = locations
    }

    /// Every tensor name as stored in the files, sorted.
    public var tensorNames: [String] { locations.keys.sorted() }

    /// The file that stands for the whole checkpoint in errors: the index when sharded,
    /// else the single weights file.
    public var weightsURL: URL { indexURL ?? files[0].url }

    /// Finds tensor `name`, also trying it with the `transformer.` prefix added or removed.
    /// The returned `info.name` is the name as stored in the file.
    public func tensor(_ name: String) -> (file: SafetensorsFile, info: TensorInfo)? {
        var location = locations[name]
        if location == nil {
            if name.hasPrefix(Self.tensorPrefix) {
                location = locations[String(name.dropFirst(Self.tensorPrefix.count))]
            } else {
                location = locations[Self.tensorPrefix + name]
            }
        }
        guard let location else { return nil }
        return (files[location.file], location.info)
    }

    /// Finds tensor `name` (see `tensor(_:)`) and checks its shape and dtype.
    ///
    /// - Parameters:
    ///   - shape: the exact expected shape, e.g. `[768, 2304]` for GPT-2 small's `c_attn.weight`.
    ///   - dtypes: the dtypes the caller can convert from.
    /// - Throws: `CheckpointError.missingTensor` (naming `weightsURL`), `.unsupportedDType` or
    ///   `.wrongShape` (naming the file that holds the tensor).
    public func require(_ name: String, shape: [Int], dtypes: Set<TensorDType>) throws(CheckpointError)
        -> (file: SafetensorsFile, info: TensorInfo)
    {
        guard let found = tensor(name) else {
            throw .missingTensor(weightsURL, tensor: name)
        }
        guard dtypes.contains(found.info.dtype) else {
            let expected = TensorDType.allCases.filter { dtypes.contains($0) }
            throw .unsupportedDType(found.file.url, tensor: found.info.name, dtype: found.info.dtype, expected: expected)
        }
        guard found.info.shape == shape else {
            throw .wrongShape(found.file.url, tensor: found.info.name, expected: shape, actual: found.info.shape)
        }
        return found
    }
}
