import Foundation

/// GPT-2's byte-level BPE tokenizer: text to token ids and back, exactly as OpenAI's
/// `encoder.py` (and so tiktoken's `gpt2` and Hugging Face's GPT-2 tokenizers) does it.
///
/// Encoding splits the text with GPT-2's pre-tokenizer (`PreTokenizer`), then merges the UTF-8
/// bytes of each piece by rank (`BPEMerger`). Decoding concatenates the tokens' bytes.
///
/// The type is an immutable value over shared read-only tables: copy it freely and use it
/// from any number of threads at once. Each `encode` call keeps its own cache.
///
/// Out-of-range ids: `decode(_:)`, `decodeBytes(_:)` and `tokenBytes(_:)` skip ids that name no
/// token (negative, `>= vocabularySize`, or a hole in a sparse vocabulary), so a model with a
/// padded vocabulary cannot crash the detokenizer; call `validate(_:)` first to reject them.
public struct BPETokenizer: Sendable {
    let model: BPEModel

    init(model: BPEModel) {
        self.model = model
    }

    /// Number of ids: one more than the largest id (50257 for GPT-2).
    public var vocabularySize: Int { model.vocabularySize }

    /// The id of `<|endoftext|>` (50256 for GPT-2).
    public var endOfTextID: Int { model.endOfTextID }

    /// The special tokens and their ids: `<|endoftext|>` plus tokenizer.json's `added_tokens`.
    public var specialTokens: [String: Int] { model.specialTokenIDs }

    /// The token ids of `text`.
    ///
    /// - Parameters:
    ///   - text: any string; it is encoded as its UTF-8 bytes.
    ///   - allowSpecialTokens: when false (the default, like `encoder.py` and tiktoken's
    ///     `encode_ordinary`), `<|endoftext|>` in the text is plain text and becomes several
    ///     tokens. When true, every occurrence of a special token (`specialTokens`) becomes its
    ///     single id, and the text between them is encoded on its own (tiktoken's
    ///     `allowed_special="all"`).
    /// - Returns: ids in `0..<vocabularySize`, at most one per UTF-8 byte.
    public func encode(_ text: String, allowSpecialTokens: Bool = false) -> [Int] {
        var text = text
        return text.withUTF8 { encode(utf8: $0, allowSpecialTokens: allowSpecialTokens) }
    }

    private func encode(utf8 text: UnsafeBufferPointer<UInt8>, allowSpecialTokens: Bool) -> [Int] {
        let session = EncodingSession(byteCount: text.count)
        let table = ScalarClassTable.shared
        table.blocks.withUnsafeBufferPointer { blocks in
            table.blockIndex.withUnsafeBufferPointer { blockIndex in
                model.byteTokens.withUnsafeBufferPointer { byteTokens in
                    model.merges.slots.withUnsafeBufferPointer { slots in
                        let context = MergeContext(
                            byteTokens: byteTokens.baseAddress!, slots: slots.baseAddress!, mask: model.merges.mask)
                        let blocks = blocks.baseAddress!
                        let blockIndex = blockIndex.baseAddress!
                        guard allowSpecialTokens && !model.specialTokens.isEmpty else {
                            session.encode(
                                text, range: 0..<text.count, context: context, blocks: blocks, blockIndex: blockIndex)
                            return
                        }
                        var segmentStart = 0
                        var position = 0
                        while let (start, special) = nextSpecialToken(in: text, from: position) {
                            session.encode(
                                text, range: segmentStart..<start, context: context, blocks: blocks,
                                blockIndex: blockIndex)
                            session.append(special.id)
                            position = start + special.bytes.count
                            segmentStart = position
                        }
                        session.encode(
                            text, range: segmentStart..<text.count, context: context, blocks: blocks,
                            blockIndex: blockIndex)
                    }
                }
            }
        }
        return session.ids
    }

    /// The leftmost special token at or after `position` (the longest one at that place).
    private func nextSpecialToken(in text: UnsafeBufferPointer<UInt8>, from position: Int) -> (Int, SpecialToken)? {
        var start = position
        while start < text.count {
            let byte = text[start]
            for special in model.specialTokens
            where special.bytes[0] == byte && start + special.bytes.count <= text.count {
                if special.bytes.withUnsafeBufferPointer({ memcmp(text.baseAddress! + start, $0.baseAddress!, $0.count) }) == 0 {
                    return (start, special)
                }
            }
            start += 1
        }
        return nil
    }

    /// The bytes that token `id` stands for; empty for an id that names no token.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        guard isAssigned(id) else { return [] }
        return Array(model.tokenBytes[model.tokenOffsets[id]..<model.tokenOffsets[id + 1]])
    }

    /// The concatenated bytes of `ids`: the exact inverse of `encode` on the UTF-8 of the text.
    /// Ids that name no token are skipped.
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        model.tokenBytes.withUnsafeBufferPointer { tokenBytes in
            for id in ids where isAssigned(id) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: tokenBytes[model.tokenOffsets[id]..<model.tokenOffsets[id + 1]]))
            }
        }
        return bytes
    }

    /// The text of `ids`. Byte sequences that are not valid UTF-8 (a token sequence cut inside
    /// a character) become U+FFFD, one per maximal invalid subsequence, as Python's
    /// `bytes.decode("utf-8", errors="replace")` and Hugging Face's decode do. Ids that name no
    /// token are skipped.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// Throws `TokenizerError.unknownTokenID` for the first id in `ids` that names no token.
    public func validate(_ ids: [Int]) throws {
        for (index, id) in ids.enumerated() where !isAssigned(id) {
            throw TokenizerError.unknownTokenID(id: id, index: index, vocabularySize: vocabularySize)
        }
    }

    @inline(__always)
    func isAssigned(_ id: Int) -> Bool {
        id >= 0 && id < model.vocabularySize && model.isAssigned[id]
    }
}
