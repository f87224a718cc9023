import ArgumentParser
import Foundation
import GPT2Hub

/// `gpt2 download`: a model from the Hugging Face Hub into the shared cache.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model from the Hugging Face Hub into the shared Hugging Face cache.",
        discussion: """
            NAME is gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2 or any owner/model id. Only \
            the files gpt2 loads are fetched (config, safetensors weights, tokenizer files), into \
            HF_HUB_CACHE (or HF_HOME/hub, or ~/.cache/huggingface/hub) in huggingface_hub's layout, \
            so Python tools find them too. An interrupted download resumes. Environment: HF_TOKEN, \
            HF_ENDPOINT, HF_HUB_OFFLINE=1. Prints the snapshot folder, which --model accepts; \
            --model NAME also downloads on first use.
            """
    )

    @Argument(help: "The repository id, e.g. gpt2 or openai-community/gpt2-medium.")
    var name: String

    @Option(help: "A branch, tag or commit hash.")
    var revision = "main"

    func validate() throws {
        guard HubRepository(name) != nil else {
            throw ValidationError("\"\(name)\" is not a Hub repository id (one or two parts such as gpt2 or owner/model, letters, digits, '-', '_', '.').")
        }
    }

    func run() async throws {
        var client = HubClient()
        client.progress = DownloadProgress().callback()
        let folder: URL
        do { folder = try await client.snapshot(HubRepository(name)!, revision: revision) } catch { throw CommandFailure(error) }
        print(folder.path)
    }
}
