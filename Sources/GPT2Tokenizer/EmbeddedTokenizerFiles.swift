import CGPT2Embedded
import Foundation

/// A file built into the binary (CGPT2Embedded) as `Data`, without a copy: the bytes live as
/// long as the process. GPT-2's tokenizer files here, the default model in GPT2Generation.
public func embeddedFile(_ id: gpt2_embedded_id) -> Data {
    let blob = gpt2_embedded_file(id)
    return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: blob.bytes), count: blob.count, deallocator: .none)
}

/// GPT-2's tokenizer files as built into the binary (CGPT2Embedded): a copied `gpt2` needs no
/// resource folder beside it.
enum EmbeddedTokenizerFiles {
    /// OpenAI's `encoder.json` (the vocabulary).
    static var encoderJSON: Data { embeddedFile(GPT2_EMBEDDED_ENCODER_JSON) }
    /// OpenAI's `vocab.bpe` (the merges).
    static var vocabBPE: Data { embeddedFile(GPT2_EMBEDDED_VOCAB_BPE) }

    /// Names for error messages (the bytes never come from these paths).
    static let encoderURL = URL(fileURLWithPath: "/(built into gpt2)/encoder.json")
    static let mergesURL = URL(fileURLWithPath: "/(built into gpt2)/vocab.bpe")
}
