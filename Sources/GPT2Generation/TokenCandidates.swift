/// The working set of the second stage of a ``SamplerChain``: the tokens still in the running
/// and their logits, as llama.cpp's `llama_token_data_array`.
///
/// ``load(logits:)`` starts it with every token whose logit is finite (a `-inf` or NaN logit has
/// zero probability, so such tokens are never candidates); each ``CandidateFilter`` then rescales
/// or truncates it, and the chain draws from what is left. The arrays keep their capacity between
/// steps, so a chain allocates them once.
public struct TokenCandidates: Sendable {
    /// One candidate token: its vocabulary id and its current logit.
    public struct Entry: Sendable, Equatable {
        /// The token id, in `0..<vocabularySize`.
        public var id: Int32
        /// The logit after the processors and filters applied so far.
        public var logit: Float

        /// Creates an entry.
        public init(id: Int32, logit: Float) {
            self.id = id
            self.logit = logit
        }

        /// The chain's rank order: larger logit first, and the lower id first among equal logits
        /// (as greedy decoding breaks ties).
        @inline(__always)
        public func ranksAbove(_ other: Entry) -> Bool {
            logit > other.logit || (logit == other.logit && id < other.id)
        }
    }

    /// The candidates, in id order after ``load(logits:)`` and in rank order when ``isSorted``.
    public var entries: [Entry] = []

    /// Whether ``entries`` is in rank order (see ``Entry/ranksAbove(_:)``). A filter that
    /// reorders or rescales entries must keep this truthful.
    public var isSorted = false

    /// Creates an empty set.
    public init() {}

    /// The number of candidates left.
    public var count: Int { entries.count }

    /// Replaces the candidates with every token whose logit is finite, in id order.
    ///
    /// - Parameter logits: one logit per token id (`vocabularySize` floats).
    public mutating func load(logits: UnsafeBufferPointer<Float>) {
        entries.removeAll(keepingCapacity: true)
        entries.reserveCapacity(logits.count)
        for (id, logit) in logits.enumerated() where logit.isFinite {
            entries.append(Entry(id: Int32(truncatingIfNeeded: id), logit: logit))
        }
        isSorted = false
    }

    /// Puts ``entries`` in rank order (a full sort; filters that need only the top few select
    /// them first).
    public mutating func sort() {
        if isSorted { return }
        entries.sort { $0.ranksAbove($1) }
        isSorted = true
    }

    /// The largest logit, or `-Float.infinity` when there are no candidates.
    public var maximumLogit: Float {
        if isSorted { return entries.first?.logit ?? -.infinity }
        var m = -Float.infinity
        for e in entries where e.logit > m { m = e.logit }
        return m
    }
}
