import GPT2Privacy
import GPT2Tokenizer

/// Refuses a token whose bytes would complete a blocklisted phrase in the text so far (prompt and
/// output), whichever tokens spell the phrase.
public struct BlocklistGuard: TokenVeto {
    public let blocklist: Blocklist
    let tokenizer: BPETokenizer
    private var tail: [UInt8] = []

    public init(blocklist: Blocklist, tokenizer: BPETokenizer) {
        self.blocklist = blocklist
        self.tokenizer = tokenizer
    }

    public mutating func prepare(context: SamplingContext) {
        // The last `longestPhrase` bytes, gathered from the newest tokens backwards.
        var pieces: [[UInt8]] = []
        var count = 0
        let sources = [context.generatedTokens, context.promptTokens]
        outer: for ids in sources {
            for id in ids.reversed() {
                if count >= blocklist.longestPhrase { break outer }
                let bytes = tokenizer.tokenBytes(id)
                pieces.append(bytes)
                count += bytes.count
            }
        }
        let joined = pieces.reversed().flatMap { $0 }
        tail = Array(joined.suffix(blocklist.longestPhrase))
    }

    public func allows(_ token: Int) -> Bool {
        blocklist.phraseCompleted(tail: tail, next: tokenizer.tokenBytes(token)) == nil
    }
}
