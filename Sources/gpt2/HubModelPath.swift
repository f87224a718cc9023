import Foundation
import GPT2Generation
import GPT2Hub

/// What a user passed as a model, as a local folder: the path itself, or a Hub id's snapshot in
/// the Hugging Face cache, downloaded first (messages, after `messagePrefix`, and a progress bar
/// on stderr) when the cache does not have it.
func localModelPath(_ name: String, messagePrefix: String = "") async throws -> String {
    var client = HubClient()
    client.progress = DownloadProgress().callback()
    do {
        return try await client.modelFolder(for: name) {
            FileHandle.standardError.write(Data((messagePrefix + $0 + "\n").utf8))
        }.path
    } catch {
        throw CommandFailure(error)
    }
}

/// `localModelPath`, or the built-in default model's folder (unpacked into the cache on first
/// use) when nothing or `default` is named: the model of `generate`, `score`, `finetune` and
/// `serve`.
func modelPathOrDefault(_ name: String?, messagePrefix: String = "") async throws -> String {
    guard let name, !DefaultModel.isNamed(by: name) else { return try reportingErrors { try DefaultModel.folder().path } }
    return try await localModelPath(name, messagePrefix: messagePrefix)
}
