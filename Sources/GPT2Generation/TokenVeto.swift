/// A rule that may refuse the token a ``SamplerChain`` drew, after all processors and filters:
/// the chain then removes that token and draws again from what is left (the privacy guards).
///
/// Unlike a ``LogitsProcessor``, which would have to test every token of the vocabulary, a veto
/// is asked only about the tokens actually drawn, so an expensive test costs little.
public protocol TokenVeto: Sendable {
    /// Called once per step before any ``allows(_:)``, with the tokens so far.
    mutating func prepare(context: SamplingContext)
    /// Whether `token` may come next.
    func allows(_ token: Int) -> Bool
}
