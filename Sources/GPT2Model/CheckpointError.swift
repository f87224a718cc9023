import Foundation

/// Why a checkpoint file or directory could not be read or written.
///
/// Every case carries the file (or folder) it is about; `errorDescription` is one sentence
/// that names it and says what was expected.
public enum CheckpointError: Error, LocalizedError, Equatable {
    /// A file or folder that should exist does not; `expected` says what it should have been.
    case missingFile(URL, expected: String)
    /// The path exists but is not a folder.
    case notADirectory(URL)
    /// The file exists but could not be opened or mapped (permissions, a folder, I/O error).
    case unreadableFile(URL, reason: String)
    /// The file has zero bytes.
    case emptyFile(URL)
    /// The safetensors header is malformed; `reason` says which field and what was expected.
    case badHeader(URL, reason: String)
    /// The header describes more tensor data than the file holds (sizes in bytes).
    case truncated(URL, expectedBytes: Int, actualBytes: Int)
    /// A tensor's dtype string is not one this library knows.
    case unknownDType(URL, tensor: String, dtype: String)
    /// A tensor has a known dtype that the caller cannot use.
    case unsupportedDType(URL, tensor: String, dtype: TensorDType, expected: [TensorDType])
    /// A tensor's shape differs from the one the model configuration implies.
    case wrongShape(URL, tensor: String, expected: [Int], actual: [Int])
    /// A required tensor is absent.
    case missingTensor(URL, tensor: String)
    /// `model.safetensors.index.json` is malformed or inconsistent with its shards.
    case badIndex(URL, reason: String)
    /// A tensor handed to `SafetensorsWriter` cannot be written (duplicate name, wrong byte count).
    case invalidTensor(URL, tensor: String, reason: String)
    /// Writing a file failed; nothing was left at the destination.
    case writeFailed(URL, reason: String)
    /// A float tensor holds NaN or an infinity; `element` is the flat index of the first one,
    /// `value` its spelling ("NaN", "+inf", "-inf").
    case nonFiniteValue(URL, tensor: String, shape: [Int], element: Int, value: String)
    /// `config.json`'s `n_layer` names blocks the weights do not hold.
    case layerCountMismatch(URL, configured: Int, stored: Int)
    /// The weights hold tensors the configuration does not use (sorted names).
    case unusedTensors(URL, names: [String], configuredLayers: Int, storedLayers: Int)

    /// The file or folder the error is about.
    public var url: URL {
        switch self {
        case .missingFile(let url, _), .notADirectory(let url), .unreadableFile(let url, _),
             .emptyFile(let url), .badHeader(let url, _), .truncated(let url, _, _),
             .unknownDType(let url, _, _), .unsupportedDType(let url, _, _, _),
             .wrongShape(let url, _, _, _), .missingTensor(let url, _), .badIndex(let url, _),
             .invalidTensor(let url, _, _), .writeFailed(let url, _), .nonFiniteValue(let url, _, _, _, _),
             .layerCountMismatch(let url, _, _), .unusedTensors(let url, _, _, _):
            return url
        }
    }

    public var errorDescription: String? {
        let path = url.path
        switch self {
        case .missingFile(_, let expected):
            return "\(path) does not exist; expected \(expected)."
        case .notADirectory:
            return "\(path) is not a directory; expected a model directory holding config.json and model.safetensors."
        case .unreadableFile(_, let reason):
            return "\(path) could not be read: \(reason)."
        case .emptyFile:
            return "\(path) is empty (0 bytes); expected a safetensors file."
        case .badHeader(_, let reason):
            return "\(path) is not a valid safetensors file: \(reason)."
        case .truncated(_, let expectedBytes, let actualBytes):
            return "\(path) is truncated: the header promises \(Self.grouped(expectedBytes)) bytes of tensor data "
                + "but the file holds \(Self.grouped(actualBytes))."
        case .unknownDType(_, let tensor, let dtype):
            return "Tensor '\(tensor)' in \(path) has dtype \"\(dtype)\", which is not a safetensors dtype this program reads "
                + "(expected one of \(TensorDType.allCases.map(\.rawValue).joined(separator: ", ")))."
        case .unsupportedDType(_, let tensor, let dtype, let expected):
            return "Tensor '\(tensor)' in \(path) has dtype \(dtype.rawValue), but only "
                + "\(expected.map(\.rawValue).joined(separator: " or ")) is supported here."
        case .wrongShape(_, let tensor, let expected, let actual):
            return "Tensor '\(tensor)' in \(path) has shape \(actual), expected \(expected)."
        case .missingTensor(_, let tensor):
            return "\(path) has no tensor named '\(tensor)'."
        case .badIndex(_, let reason):
            return "\(path) is not a valid sharded-checkpoint index: \(reason)."
        case .invalidTensor(_, let tensor, let reason):
            return "Tensor '\(tensor)' cannot be written to \(path): \(reason)."
        case .writeFailed(_, let reason):
            return "Could not write \(path): \(reason)."
        case .nonFiniteValue(_, let tensor, let shape, let element, let value):
            return "Tensor '\(tensor)'\(Self.blockNote(tensor)) in \(path) holds \(value) at \(Self.position(element, in: shape)): "
                + "the weights are damaged, or were saved from a training run that diverged."
        case .layerCountMismatch(_, let configured, let stored):
            return "config.json asks for \(configured) transformer blocks (n_layer) but \(path) holds \(stored); "
                + "config.json and the weights belong to different models."
        case .unusedTensors(_, let names, let configured, let stored):
            let shown = names.prefix(6).map { "'\($0)'" }.joined(separator: ", ")
            let more = names.count > 6 ? " and \(names.count - 6) more" : ""
            let why = stored > configured
                ? "config.json asks for \(configured) transformer blocks (n_layer) but the file holds \(stored)"
                : "they belong to no parameter of GPT-2"
            return "\(path) holds \(names.count) tensor\(names.count == 1 ? "" : "s") this model would not use (\(shown)\(more)): "
                + "\(why); refusing to ignore them."
        }
    }

    /// " (block N)" for a tensor of transformer block N, else "".
    static func blockNote(_ tensor: String) -> String {
        let bare = tensor.hasPrefix(CheckpointDirectory.tensorPrefix) ? tensor.dropFirst(CheckpointDirectory.tensorPrefix.count) : Substring(tensor)
        guard let block = CheckpointDirectory.blockIndex(of: bare) else { return "" }
        return " (transformer block \(block))"
    }

    /// "[row, column] (element N of M)" for a flat index into a tensor of `shape`.
    static func position(_ element: Int, in shape: [Int]) -> String {
        var rest = element, index: [Int] = []
        for size in shape.reversed() where size > 0 {
            index.append(rest % size)
            rest /= size
        }
        let total = shape.reduce(1, *)
        return "index \(Array(index.reversed())) (element \(grouped(element)) of \(grouped(total)))"
    }

    /// `497759232` -> `"497,759,232"`, independent of the user's locale.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }
}
