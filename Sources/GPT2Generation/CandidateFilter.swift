/// One step of the second stage of a ``SamplerChain``: rescales or truncates the candidates
/// (temperature, top-k, top-p, min-p), in the order the chain lists them.
///
/// A filter must leave at least one candidate when it is given at least one. Filters may keep
/// reusable scratch buffers between calls (hence `mutating`), but no state that changes results.
public protocol CandidateFilter: Sendable {
    /// Rescales or truncates `candidates` in place.
    mutating func apply(to candidates: inout TokenCandidates)
}
