import Foundation

/// One line of a merges list: `left right`, joined into `left + right`.
struct MergeRule: Sendable {
    let left: String
    let right: String
    /// Where the rule came from, for error messages: a 1-based line number in a merges file, or
    /// a 1-based position in tokenizer.json's `model.merges` array.
    let line: Int
}

/// A string that `encode(_:allowSpecialTokens: true)` maps straight to one id.
struct SpecialToken: Sendable {
    let bytes: [UInt8]
    let id: Int
}

/// The immutable data of a byte-level BPE tokenizer, shared by every copy of `BPETokenizer`.
final class BPEModel: Sendable {
    /// The bytes of every token back to back, in id order.
    let tokenBytes: [UInt8]
    /// `vocabularySize + 1` offsets into `tokenBytes`: token `i` is `tokenOffsets[i]..<tokenOffsets[i + 1]`.
    let tokenOffsets: [Int]
    /// Whether each id below `vocabularySize` names a token (ids in a sparse vocabulary may not).
    let isAssigned: [Bool]
    /// The id of each single-byte token, 256 entries.
    let byteTokens: [UInt32]
    let merges: MergeTable
    /// Longest first, so that the longest special token wins at a position.
    let specialTokens: [SpecialToken]
    /// The special token strings and their ids.
    let specialTokenIDs: [String: Int]
    let endOfTextID: Int

    var vocabularySize: Int { tokenOffsets.count - 1 }

    static let endOfText = "<|endoftext|>"

    /// Builds the model and checks that every merge joins two tokens into a third.
    ///
    /// - Parameters:
    ///   - vocabulary: token spelling (byte alphabet, see `ByteEncoder`) to id.
    ///   - merges: in rank order (the first merge has rank 0).
    ///   - addedTokens: tokenizer.json's `added_tokens` (content, id); they and `<|endoftext|>`
    ///     are the special tokens.
    ///   - vocabularyFile, mergesFile: named in errors.
    init(
        vocabulary: [String: Int], merges: [MergeRule], addedTokens: [(content: String, id: Int)],
        vocabularyFile: URL, mergesFile: URL
    ) throws {
        var vocabulary = vocabulary
        for added in addedTokens where vocabulary[added.content] == nil {
            vocabulary[added.content] = added.id
        }
        var maxID = -1
        for (token, id) in vocabulary {
            guard id >= 0 && id < Int(Int32.max) else {
                throw TokenizerError.invalidTokenID(file: vocabularyFile, token: token, id: id)
            }
            maxID = max(maxID, id)
        }
        let size = maxID + 1

        var bytesByID = [[UInt8]?](repeating: nil, count: size)
        for (token, id) in vocabulary {
            bytesByID[id] = ByteEncoder.bytes(ofToken: token)
        }
        var tokenBytes: [UInt8] = []
        var tokenOffsets: [Int] = [0]
        var isAssigned: [Bool] = []
        tokenOffsets.reserveCapacity(size + 1)
        isAssigned.reserveCapacity(size)
        for bytes in bytesByID {
            tokenBytes.append(contentsOf: bytes ?? [])
            tokenOffsets.append(tokenBytes.count)
            isAssigned.append(bytes != nil)
        }

        var byteTokens = [UInt32](repeating: 0, count: 256)
        for byte in 0..<256 {
            let spelling = String(ByteEncoder.scalarOfByte[byte])
            guard let id = vocabulary[spelling] else {
                throw TokenizerError.missingByteToken(file: vocabularyFile, byte: UInt8(byte), spelling: spelling)
            }
            byteTokens[byte] = UInt32(id)
        }

        var table = MergeTable(minimumCapacity: merges.count)
        for (rank, rule) in merges.enumerated() {
            guard let left = vocabulary[rule.left] else {
                throw TokenizerError.mergeTokenNotInVocabulary(file: mergesFile, line: rule.line, token: rule.left)
            }
            guard let right = vocabulary[rule.right] else {
                throw TokenizerError.mergeTokenNotInVocabulary(file: mergesFile, line: rule.line, token: rule.right)
            }
            let joined = rule.left + rule.right
            guard let merged = vocabulary[joined] else {
                throw TokenizerError.mergeTokenNotInVocabulary(file: mergesFile, line: rule.line, token: joined)
            }
            table.insert(left: UInt32(left), right: UInt32(right), rank: UInt32(rank), merged: UInt32(merged))
        }

        guard let endOfTextID = vocabulary[Self.endOfText] else {
            throw TokenizerError.missingEndOfText(file: vocabularyFile)
        }
        var specialIDs: [String: Int] = [Self.endOfText: endOfTextID]
        for added in addedTokens { specialIDs[added.content] = vocabulary[added.content] }

        self.tokenBytes = tokenBytes
        self.tokenOffsets = tokenOffsets
        self.isAssigned = isAssigned
        self.byteTokens = byteTokens
        self.merges = table
        self.endOfTextID = endOfTextID
        self.specialTokenIDs = specialIDs
        self.specialTokens = specialIDs
            .filter { !$0.key.isEmpty }
            .map { SpecialToken(bytes: Array($0.key.utf8), id: $0.value) }
            .sorted { $0.bytes.count > $1.bytes.count }
    }
}
