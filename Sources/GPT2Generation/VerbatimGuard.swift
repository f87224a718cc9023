import GPT2Privacy

/// Refuses a token that would complete a run of ``minimumRun`` or more tokens copied from the
/// training text, as the ``VerbatimIndex`` sees copies: every window of the run occurs there.
///
/// The run is counted over the prompt and the generated tokens together, so a prompt that
/// quotes the training text cannot be continued past the limit either.
public struct VerbatimGuard: TokenVeto {
    public let index: VerbatimIndex
    /// The shortest run refused, at least the index's window.
    public let minimumRun: Int
    /// The last `window - 1` tokens, when the windows before them make a run long enough that
    /// one more copied window reaches ``minimumRun``; `nil` otherwise (nothing to refuse).
    private var lead: [Int]? = nil

    public init(index: VerbatimIndex, minimumRun: Int) {
        precondition(minimumRun >= index.window, "a run shorter than the index's window cannot be seen")
        self.index = index
        self.minimumRun = minimumRun
    }

    public mutating func prepare(context: SamplingContext) {
        let k = index.window
        // The windows looked at below span the last `minimumRun - 1` tokens.
        let history = context.lastTokens(minimumRun - 1)
        let h = history.count
        lead = nil
        guard h >= k - 1 else { return }
        // A new window ending at the candidate completes a run of `minimumRun` tokens when the
        // `minimumRun - k` windows ending just before it are copied too.
        let needed = minimumRun - k
        guard h - needed >= k - 1 else { return }
        for back in 0..<needed {
            let end = h - back
            if index.position(ofWindow: history[(end - k)..<end]) == nil { return }
        }
        lead = Array(history[(h - k + 1)...])
    }

    public func allows(_ token: Int) -> Bool {
        guard let lead else { return true }
        return index.position(ofWindow: lead + [token]) == nil
    }
}
