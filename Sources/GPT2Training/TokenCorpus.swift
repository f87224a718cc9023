import Foundation
import GPT2Tokenizer

/// Training tokens: one or more runs of ids (a memory-mapped token file, or a text file encoded
/// in memory), documents separated by the end-of-text id. Windows never cross from one run into
/// the next; inside a run they cross document boundaries, as GPT-2's own training did.
public struct TokenCorpus: @unchecked Sendable {
    /// A contiguous run of ids and what keeps its memory alive.
    public struct Segment: @unchecked Sendable {
        public let tokens: UnsafeBufferPointer<UInt16>
        let owner: AnyObject?
        let mapped: TokenFile?
        /// The file it came from (its last path component), for the verbatim index's sources.
        public var name = ""
    }

    public private(set) var segments: [Segment]
    /// What the tokens came from, for messages.
    public let source: String

    public var tokenCount: Int { segments.reduce(0) { $0 + $1.tokens.count } }
    /// The longest segment, which bounds the window length.
    public var longestSegment: Int { segments.map(\.tokens.count).max() ?? 0 }

    public init(segments: [Segment], source: String) {
        self.segments = segments.filter { !$0.tokens.isEmpty }
        self.source = source
    }

    /// Ids held in memory (encoded text).
    public init(ids: [Int], source: String) {
        let owner = IDStorage(ids.map { UInt16(truncatingIfNeeded: $0) })
        self.init(segments: [Segment(tokens: owner.buffer, owner: owner, mapped: nil,
                                     name: URL(fileURLWithPath: source).lastPathComponent)], source: source)
    }

    /// Several corpora's runs together.
    public init(joining parts: [TokenCorpus]) {
        self.init(segments: parts.flatMap(\.segments), source: parts.map(\.source).joined(separator: ", "))
    }

    /// A token file (`gpt2 dataset build --tokens`), memory-mapped: no copy, so a corpus larger
    /// than memory trains. Its vocabulary must fit the model's.
    public static func tokenFile(_ url: URL, vocabularySize: Int) throws -> TokenCorpus {
        let file = try TokenFile(contentsOf: url)
        guard file.vocabularySize <= vocabularySize else {
            throw TrainingError.tokenOutOfRange(url.path, id: file.vocabularySize - 1, vocabulary: vocabularySize)
        }
        return TokenCorpus(segments: [Segment(tokens: file.tokens, owner: nil, mapped: file, name: url.lastPathComponent)],
                           source: url.path)
    }

    /// A UTF-8 text file encoded with `tokenizer`; a literal `<|endoftext|>` in the text separates
    /// documents, and the file ends with one.
    public static func textFile(_ url: URL, tokenizer: BPETokenizer) throws -> TokenCorpus {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.emptyCorpus(url.path + " (unreadable)", tokens: 0)
        }
        let text = String(decoding: data, as: UTF8.self)
        var ids = tokenizer.encode(text, allowSpecialTokens: true)
        if !ids.isEmpty && ids.last != tokenizer.endOfTextID { ids.append(tokenizer.endOfTextID) }
        guard tokenizer.vocabularySize <= TokenFile.maximumVocabularySize else {
            throw TrainingError.tokenOutOfRange(url.path, id: tokenizer.vocabularySize - 1, vocabulary: TokenFile.maximumVocabularySize)
        }
        return TokenCorpus(ids: ids, source: url.path)
    }

    /// Splits off the last `fraction` of the tokens (0 < fraction < 1) as a validation corpus.
    public func splitting(validationFraction fraction: Double) -> (train: TokenCorpus, validation: TokenCorpus) {
        var held = Int((Double(tokenCount) * fraction).rounded())
        var train = segments, validation: [Segment] = []
        while held > 0, let last = train.popLast() {
            let take = min(held, last.tokens.count)
            let cut = last.tokens.count - take
            let base = last.tokens.baseAddress!
            validation.insert(Segment(tokens: UnsafeBufferPointer(start: base + cut, count: take),
                                      owner: last.owner, mapped: last.mapped, name: last.name), at: 0)
            if cut > 0 {
                train.append(Segment(tokens: UnsafeBufferPointer(start: base, count: cut), owner: last.owner,
                                     mapped: last.mapped, name: last.name))
            }
            held -= take
        }
        return (TokenCorpus(segments: train, source: source),
                TokenCorpus(segments: validation, source: "the last \(Int(fraction * 100))% of \(source)"))
    }

    /// The window length to train with: `requested`, or shorter when no run holds
    /// `requested` + 1 tokens (a corpus shorter than one window).
    public func windowLength(requested: Int) throws -> Int {
        let longest = longestSegment
        guard longest >= 2 else { throw TrainingError.emptyCorpus(source, tokens: tokenCount) }
        return min(requested, longest - 1)
    }

    /// `batch` windows of `time` + 1 tokens at uniformly random positions (every start in every
    /// run long enough equally likely), as inputs and next-token targets.
    public func randomBatch(batch: Int, time: Int, rng: inout TrainingRNG) -> TokenBatch {
        let starts = segments.map { max(0, $0.tokens.count - time) }
        let total = starts.reduce(0, +)
        precondition(total > 0, "no run holds time + 1 tokens; use windowLength(requested:)")
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(batch * time)
        targets.reserveCapacity(batch * time)
        for _ in 0..<batch {
            var position = rng.below(total), s = 0
            while position >= starts[s] { position -= starts[s]; s += 1 }
            let tokens = segments[s].tokens
            for i in 0..<time {
                inputs.append(Int32(tokens[position + i]))
                targets.append(Int32(tokens[position + i + 1]))
            }
        }
        return TokenBatch(inputs: inputs, targets: targets, batch: batch, time: time)
    }

    /// Consecutive, non-overlapping windows of `time` + 1 tokens from the start of each run, at
    /// most `limit` of them, grouped `batch` at a time (the last group may be smaller): the same
    /// batches every call, for validation.
    public func sequentialBatches(batch: Int, time: Int, limit: Int) -> [TokenBatch] {
        var windows: [(inputs: ArraySlice<Int32>, targets: ArraySlice<Int32>)] = []
        outer: for segment in segments {
            var start = 0
            while start + time + 1 <= segment.tokens.count {
                if windows.count == limit { break outer }
                let ids = segment.tokens[start...(start + time)].map { Int32($0) }
                windows.append((ids[0..<time], ids[1...time]))
                start += time
            }
        }
        return stride(from: 0, to: windows.count, by: batch).map { first in
            let group = windows[first..<min(first + batch, windows.count)]
            return TokenBatch(inputs: group.flatMap(\.inputs), targets: group.flatMap(\.targets),
                              batch: group.count, time: time)
        }
    }

    /// Checks every id against the model's vocabulary (a token file's ids were checked against
    /// its own vocabulary when it opened, and that against the model's).
    public func validate(vocabularySize: Int) throws {
        for segment in segments where segment.mapped == nil {
            if let bad = segment.tokens.first(where: { Int($0) >= vocabularySize }) {
                throw TrainingError.tokenOutOfRange(source, id: Int(bad), vocabulary: vocabularySize)
            }
        }
    }
}

/// Ids held in memory for a `TokenCorpus`.
final class IDStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt16>
    let count: Int

    init(_ ids: [UInt16]) {
        count = ids.count
        pointer = .allocate(capacity: max(1, ids.count))
        pointer.initialize(from: ids, count: ids.count)
    }

    var buffer: UnsafeBufferPointer<UInt16> { UnsafeBufferPointer(start: pointer, count: count) }

    deinit { pointer.deallocate() }
}
