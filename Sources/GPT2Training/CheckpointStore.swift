import Foundation
import GPT2Model
import GPT2Privacy
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder of one run, `checkpoint/NAME/`:
///
/// - `step-00000100/`: a complete checkpoint per saved step (config.json, model.safetensors,
///   tokenizer files, optimizer.safetensors with AdamW's `m.NAME` / `v.NAME`, state.json); the
///   newest `keep` are kept. Each is written into a hidden temporary folder and renamed into
///   place, so a crash mid-save leaves the previous ones intact.
/// - the latest step's config.json, model.safetensors and tokenizer files at the top, hard links
///   into its step folder, so `--model checkpoint/NAME` works in generate, serve and transformers;
/// - `best/`: the weights with the lowest validation loss so far;
/// - `log.jsonl`: one JSON object per step.
public struct CheckpointStore: Sendable {
    public let folder: URL
    /// Tokenizer and config files copied from the source model, if present there.
    public static let tokenizerFiles = ["tokenizer.json", "vocab.json", "merges.txt", "encoder.json", "vocab.bpe",
                                        "tokenizer_config.json", "special_tokens_map.json"]
    static let modelFiles = ["config.json", CheckpointDirectory.singleFileName]

    public init(folder: URL) { self.folder = folder }

    public var logURL: URL { folder.appendingPathComponent("log.jsonl") }
    public var bestFolder: URL { folder.appendingPathComponent("best") }

    func stepFolder(_ step: Int) -> URL { folder.appendingPathComponent(String(format: "step-%08d", step)) }

    /// The saved steps, oldest first.
    public func savedSteps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name in name.hasPrefix("step-") ? Int(name.dropFirst(5)) : nil }.sorted()
    }

    /// The newest complete checkpoint, if any.
    public func latest() -> URL? { savedSteps().last.map(stepFolder) }

    /// Saves a complete checkpoint for `state.step`, points the top-level files at it and
    /// removes all but the newest `keep` step folders.
    public func save(parameters: ParameterBuffer, optimizer: AdamW, state: TrainingState,
                     tokenizerSource: URL, keep: Int) throws {
        let target = stepFolder(state.step)
        try writeFolder(target) { temporary in
            try StreamedSafetensors.saveModel(parameters, to: temporary, metadata: ["step": String(state.step)])
            try OutputFolder.copyFiles(Self.tokenizerFiles, from: tokenizerSource, to: temporary)
            try OutputFolder.copyFiles([VerbatimIndex.fileName], from: folder, to: temporary)
            var moments: [StreamedSafetensors.Tensor] = []
            for (prefix, buffer) in [("m.", optimizer.m), ("v.", optimizer.v)] {
                for (i, entry) in parameters.entries.enumerated() {
                    moments.append(.init(name: prefix + entry.name, shape: entry.shape,
                                         pointer: UnsafePointer(buffer.pointer + buffer.offsets[i])))
                }
            }
            try StreamedSafetensors.write(moments, metadata: ["optimizer": "adamw", "step": String(optimizer.stepCount)],
                                          to: temporary.appendingPathComponent("optimizer.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write([Array(try encoder.encode(state))], to: temporary.appendingPathComponent("state.json"))
        }
        // The top level: each file replaced by a link into the new step folder, one rename each.
        for name in Self.modelFiles + Self.tokenizerFiles {
            let from = target.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: from.path) else { continue }
            let to = folder.appendingPathComponent(name)
            let temporary = folder.appendingPathComponent(".\(name).\(getpid()).link")
            unlink(temporary.path)
            if link(from.path, temporary.path) != 0 {
                try? FileManager.default.copyItem(at: from, to: temporary)
            }
            guard rename(temporary.path, to.path) == 0 else {
                throw TrainingError.writeFailed(to, reason: String(cString: strerror(errno)))
            }
        }
        for old in savedSteps().dropLast(max(1, keep)) {
            try? FileManager.default.removeItem(at: stepFolder(old))
        }
    }

    /// Replaces `best/` with these weights (and the source's tokenizer files).
    public func saveBest(parameters: ParameterBuffer, step: Int, loss: Float, tokenizerSource: URL) throws {
        try writeFolder(bestFolder) { temporary in
            try StreamedSafetensors.saveModel(parameters, to: temporary,
                                              metadata: ["step": String(step), "validation_loss": String(loss)])
            try OutputFolder.copyFiles(Self.tokenizerFiles, from: tokenizerSource, to: temporary)
            try OutputFolder.copyFiles([VerbatimIndex.fileName], from: folder, to: temporary)
        }
    }

    /// Fills a hidden temporary folder with `body`, then renames it to `target` (an existing
    /// `target` is moved aside first and removed after). On failure the temporary folder is
    /// removed and `target` is left as it was.
    func writeFolder(_ target: URL, _ body: (URL) throws -> Void) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.writeFailed(folder, reason: "the folder cannot be created")
        }
        let name = target.lastPathComponent
        let temporary = folder.appendingPathComponent(".\(name).\(getpid()).tmp")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
            try body(temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let aside = folder.appendingPathComponent(".\(name).\(getpid()).old")
        let hadTarget = FileManager.default.fileExists(atPath: target.path)
        if hadTarget {
            try? FileManager.default.removeItem(at: aside)
            guard rename(target.path, aside.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw TrainingError.writeFailed(target, reason: String(cString: strerror(errno)))
            }
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if hadTarget { rename(aside.path, target.path) }
            try? FileManager.default.removeItem(at: temporary)
            throw TrainingError.writeFailed(target, reason: reason)
        }
        if hadTarget { try? FileManager.default.removeItem(at: aside) }
    }

    /// Reads a step folder back: weights, optimizer moments and state.
    public static func load(_ stepFolder: URL, settings: AdamW.Settings) throws -> (ParameterBuffer, AdamW, TrainingState) {
        let parameters = try ParameterBuffer(model: GPT2Model.load(directory: stepFolder))
        let stateURL = stepFolder.appendingPathComponent("state.json")
        let state: TrainingState
        do {
            state = try JSONDecoder().decode(TrainingState.self, from: Data(contentsOf: stateURL))
        } catch {
            throw TrainingError.badCheckpoint(stepFolder, reason: "state.json is missing or unreadable")
        }
        let optimizer = AdamW(like: parameters, settings: settings)
        optimizer.stepCount = state.optimizerSteps
        let file = try SafetensorsFile(url: stepFolder.appendingPathComponent("optimizer.safetensors"))
        for (i, entry) in parameters.entries.enumerated() {
            for (prefix, buffer) in [("m.", optimizer.m), ("v.", optimizer.v)] {
                let values = try file.floats(of: prefix + entry.name)
                guard values.count == entry.elementCount else {
                    throw TrainingError.badCheckpoint(stepFolder, reason: "optimizer tensor \(prefix)\(entry.name) has \(values.count) values, expected \(entry.elementCount)")
                }
                // A frozen parameter's moments are zero: leave its fresh, untouched pages alone.
                if values.contains(where: { $0.bitPattern != 0 }) {
                    (buffer.pointer + buffer.offsets[i]).update(from: values, count: values.count)
                }
            }
        }
        return (parameters, optimizer, state)
    }
}
