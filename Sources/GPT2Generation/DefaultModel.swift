import CGPT2Embedded
import Foundation
import GPT2Tokenizer

/// The small model built into the binary (Models/default in the repository: 6 layers x 256,
/// fp16, trained on Debian's fortunes by `Scripts/train-default-model.sh`), used when a command
/// is given no model.
///
/// Its files (config.json, model.safetensors and verbatim.idx, the training text's windows for
/// `--block-verbatim` and `gpt2 audit`) live in the executable (CGPT2Embedded), so a copied or
/// installed binary has it. The loader reads folders, so the first use writes them once into a
/// cache folder named by their hash: `$GPT2_CACHE_DIR`, else `$XDG_CACHE_HOME/gpt2`, else
/// `~/.cache/gpt2`, else the temporary folder. The folder appears whole or not at all (written
/// under a hidden name, then renamed), so concurrent first runs and interrupted ones are harmless.
public enum DefaultModel {
    /// What `--model` (or `MODEL`) names it by, unless a folder of that name is in the working
    /// directory.
    public static let flagName = "default"

    /// True when a model option names the default model: absent or empty, or `default` while no
    /// folder of that name is in the working directory.
    public static func isNamed(by option: String?) -> Bool {
        guard let option, !option.isEmpty else { return true }
        return option == flagName && !FileManager.default.fileExists(atPath: flagName)
    }

    /// `config.json` as built into the binary.
    public static var configJSON: Data { embeddedFile(GPT2_EMBEDDED_DEFAULT_CONFIG) }
    /// `model.safetensors` as built into the binary.
    public static var safetensors: Data { embeddedFile(GPT2_EMBEDDED_DEFAULT_SAFETENSORS) }
    /// `verbatim.idx` as built into the binary.
    public static var verbatimIndex: Data { embeddedFile(GPT2_EMBEDDED_DEFAULT_VERBATIM_INDEX) }

    /// The files of the folder, by name.
    static var files: [(name: String, data: Data)] {
        [("config.json", configJSON), ("model.safetensors", safetensors), ("verbatim.idx", verbatimIndex)]
    }

    /// The cache folder holding the default model's files, written on first use.
    ///
    /// - Throws: `DefaultModel.Unavailable` naming the folders tried when none is writable.
    public static func folder(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let files = files
        let name = "default-\(fingerprint(files.map(\.data)))"
        var failures: [String] = []
        for root in cacheRoots(environment: environment) {
            let folder = root.appendingPathComponent(name)
            if isComplete(folder, files: files) { return folder }
            do {
                try write(files, into: folder)
                return folder
            } catch {
                failures.append("\(root.path): \(error.localizedDescription)")
            }
        }
        throw Unavailable(reasons: failures)
    }

    /// No cache folder could take the default model's files: each folder tried, with why.
    public struct Unavailable: Error, LocalizedError, Equatable {
        public let reasons: [String]
        public var errorDescription: String? {
            "The built-in default model could not be unpacked into a cache folder (\(reasons.joined(separator: "; "))); set GPT2_CACHE_DIR to a writable folder, or pass --model."
        }
    }

    /// Where the cache may live, in order of preference.
    static func cacheRoots(environment: [String: String]) -> [URL] {
        var roots: [URL] = []
        if let dir = environment["GPT2_CACHE_DIR"], !dir.isEmpty {
            roots.append(URL(fileURLWithPath: dir))
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            roots.append(URL(fileURLWithPath: xdg).appendingPathComponent("gpt2"))
        }
        if let home = environment["HOME"], !home.isEmpty {
            roots.append(URL(fileURLWithPath: home).appendingPathComponent(".cache/gpt2"))
        }
        roots.append(URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gpt2-cache-\(getuid())"))
        return roots
    }

    /// True when `folder` already holds every file at its size (they are only ever renamed into
    /// place whole).
    static func isComplete(_ folder: URL, files: [(name: String, data: Data)]) -> Bool {
        let manager = FileManager.default
        return files.allSatisfy { file in
            let path = folder.appendingPathComponent(file.name).path
            return (try? manager.attributesOfItem(atPath: path))?[.size] as? Int == file.data.count
        }
    }

    static func write(_ files: [(name: String, data: Data)], into folder: URL) throws {
        let manager = FileManager.default
        let root = folder.deletingLastPathComponent()
        try manager.createDirectory(at: root, withIntermediateDirectories: true)
        let partial = root.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).partial")
        try manager.createDirectory(at: partial, withIntermediateDirectories: false)
        defer { try? manager.removeItem(at: partial) }
        for file in files { try file.data.write(to: partial.appendingPathComponent(file.name)) }
        do {
            try manager.moveItem(at: partial, to: folder)
        } catch {
            // Another process finished first: its copy is as good as ours.
            if isComplete(folder, files: files) { return }
            throw error
        }
    }

    /// 64-bit FNV-1a over the files' bytes, 8 at a time, as 16 hex digits: a new model (or
    /// index) gets a new folder.
    static func fingerprint(_ files: [Data]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for data in files {
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset + 8 <= raw.count {
                    hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
                    offset += 8
                }
                while offset < raw.count {
                    hash = (hash ^ UInt64(raw[offset])) &* 0x100_0000_01b3
                    offset += 1
                }
            }
            hash = (hash ^ UInt64(data.count)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
