import Foundation

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

    /// Ids must be below this (16,777,216): far above any real vocabulary, low enough that a
    /// corrupt id cannot make the id tables huge.
    static let maximumID = 1 << 24

    /// Builds the model and checks that every merge joins two tokens into a third.
    ///
    /// - Parameters:
    ///   - vocabulary: token spelling (byte alphabet, see `ByteEncoder`) to id.
    ///   - merges: in rank order (the first merge has rank 0).
    ///   - addedTokens: tokenizer.json's `added_tokens` (content, id); they and `<|endoftext|>`
    ///     are the special tokens.
    ///   - vocabularyFile, mergesFile: named in errors.
    init(
        vocabulary: SpellingTable, merges: MergeList, addedTokens: [(content: String, id: Int)],
        vocabularyFile: URL, mergesFile: URL
    ) throws {
        var vocabulary = vocabulary
        // An added token's own id wins over a vocabulary entry of the same spelling.
        for added in addedTokens {
            vocabulary.insert(added.content, id: added.id)
        }
        var maxID = -1
        try vocabulary.forEach { spelling, id in
            guard id >= 0 && id < Self.maximumID else {
                throw TokenizerError.invalidTokenID(
                    file: vocabularyFile, token: String(decoding: spelling, as: UTF8.self), id: id)
            }
            maxID = max(maxID, id)
        }
        let size = maxID + 1

        // Token bytes by id: each spelling through the byte alphabet.
        var spellingOfID = [(start: Int, count: Int)?](repeating: nil, count: size)
        var spellings: [UInt8] = []
        vocabulary.forEach { spelling, id in
            spellingOfID[id] = (spellings.count, spelling.count)
            spellings.append(contentsOf: spelling)
        }
        var tokenBytes: [UInt8] = []
        tokenBytes.reserveCapacity(spellings.count)
        var tokenOffsets: [Int] = [0]
        tokenOffsets.reserveCapacity(size + 1)
        var isAssigned: [Bool] = []
        isAssigned.reserveCapacity(size)
        spellings.withUnsafeBufferPointer { spellings in
            for entry in spellingOfID {
                if let entry {
                    ByteEncoder.appendBytes(ofSpelling: UnsafeBufferPointer(rebasing: spellings[entry.start..<entry.start + entry.count]), to: &tokenBytes)
                }
                tokenOffsets.append(tokenBytes.count)
                isAssigned.append(entry != nil)
            }
        }

        var byteTokens = [UInt32](repeating: 0, count: 256)
        for byte in 0..<256 {
            let spelling = String(ByteEncoder.scalarOfByte[byte])
            guard let id = vocabulary.id(of: spelling) else {
                throw TokenizerError.missingByteToken(file: vocabularyFile, byte: UInt8(byte), spelling: spelling)
            }
            byteTokens[byte] = UInt32(id)
        }

        var table = MergeTable(minimumCapacity: merges.entries.count)
        try merges.bytes.withUnsafeBufferPointer { bytes in
            for (rank, merge) in merges.entries.enumerated() {
                let leftEnd = merge.start + merge.leftCount
                let end = leftEnd + merge.rightCount
                func id(_ range: Range<Int>) throws -> Int {
                    let spelling = UnsafeBufferPointer(rebasing: bytes[range])
                    guard let id = vocabulary.id(of: spelling) else {
                        throw TokenizerError.mergeTokenNotInVocabulary(
                            file: mergesFile, line: merge.line, token: String(decoding: spelling, as: UTF8.self))
                    }
                    return id
                }
                let left = try id(merge.start..<leftEnd)
                let right = try id(leftEnd..<end)
                let merged = try id(merge.start..<end)
                table.insert(left: UInt32(left), right: UInt32(right), rank: UInt32(rank), merged: UInt32(merged))
            }
        }

        guard let endOfTextID = vocabulary.id(of: Self.endOfText) else {
            throw TokenizerError.missingEndOfText(file: vocabularyFile)
        }
        // Special tokens are matched by bytes: canonically equivalent names stay distinct.
        var specials: [SpecialToken] = [SpecialToken(bytes: Array(Self.endOfText.utf8), id: endOfTextID)]
        for added in addedTokens where !added.content.isEmpty {
            let bytes = Array(added.content.utf8)
            let id = added.id
            if let index = specials.firstIndex(where: { $0.bytes == bytes }) {
                specials[index] = SpecialToken(bytes: bytes, id: id)
            } else {
                specials.append(SpecialToken(bytes: bytes, id: id))
            }
        }

        self.tokenBytes = tokenBytes
        self.tokenOffsets = tokenOffsets
        self.isAssigned = isAssigned
        self.byteTokens = byteTokens
        self.merges = table
        self.endOfTextID = endOfTextID
        self.specialTokenIDs = Dictionary(
            specials.map { (String(decoding: $0.bytes, as: UTF8.self), $0.id) }, uniquingKeysWith: { _, last in last })
        self.specialTokens = specials.sorted { $0.bytes.count > $1.bytes.count }
    }
}
