import Foundation
import GPT2Tokenizer
import GPT2Training

/// Reads every path as a token file (*.tokens) or UTF-8 text.
func loadCorpus(_ paths: [String], tokenizer: BPETokenizer, vocabulary: Int) throws -> TokenCorpus {
    let parts = try paths.map { path -> TokenCorpus in
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw TrainingError.emptyCorpus(path + " (not a readable file)", tokens: 0)
        }
        return url.pathExtension == "tokens"
            ? try TokenCorpus.tokenFile(url, vocabularySize: vocabulary)
            : try TokenCorpus.textFile(url, tokenizer: tokenizer)
    }
    let joined = TokenCorpus(joining: parts)
    guard joined.tokenCount >= 2 else { throw TrainingError.emptyCorpus(joined.source, tokens: joined.tokenCount) }
    return joined
}
