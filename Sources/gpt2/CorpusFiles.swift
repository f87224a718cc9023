import Foundation
import GPT2Privacy
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

/// Writes `corpus`'s verbatim index to `target`, replacing only an earlier index there, never
/// another file of the user's.
func writeVerbatimIndex(of corpus: TokenCorpus, to target: URL, window: Int = VerbatimIndexBuilder.defaultWindow,
                        endOfTextID: Int) throws -> VerbatimIndexBuilder.Summary {
    if FileManager.default.fileExists(atPath: target.path), (try? VerbatimIndex.load(target)) == nil {
        throw CommandFailure("\(target.path) exists and is not a verbatim index; it is left as it is (choose another path).")
    }
    return try reportingErrors { try corpus.writeVerbatimIndex(to: target, window: window, endOfTextID: endOfTextID) }
}
