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
        // The last `longestPhrase` bytes: every token spells at least one byte, so that many
        // tokens hold them (or the whole text).
        let n = blocklist.longestPhrase
        tail = Array(tokenizer.decodeBytes(context.lastTokens(n)).suffix(n))
    }

    public func allows(_ token: Int) -> Bool {
        blocklist.phraseCompleted(tail: tail, next: tokenizer.tokenBytes(token)) == nil
    }
}
