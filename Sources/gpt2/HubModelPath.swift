import Foundation
import GPT2Hub

/// What a user passed as a model, as a local folder: the path itself, or a Hub id's snapshot in
/// the Hugging Face cache, downloaded first (a message and a progress bar on stderr) when the
/// cache does not have it.
func localModelPath(_ name: String) async throws -> String {
    var client = HubClient()
    client.progress = DownloadProgress().callback()
    do {
        return try await client.modelFolder(for: name) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }.path
    } catch {
        throw CommandFailure(error)
    }
}
