/// Divides every candidate's logit by the temperature (Hugging Face's `TemperatureLogitsWarper`):
/// below 1 sharpens the distribution, above 1 flattens it. Temperature 0 is greedy decoding,
/// which the chain handles without filters.
///
/// The logits are shifted by their maximum before the division, `(logit - max) / temperature`.
/// Softmax and every filter are unchanged by a common shift, and the shift keeps a tiny
/// temperature from overflowing to infinity: the best token gets 0 and the others `<= 0`
/// (possibly `-inf`, which is zero probability).
public struct TemperatureScaling: CandidateFilter {
    /// The temperature, `> 0`.
    public let temperature: Float

    /// Creates the filter; `temperature` must be `> 0`.
    public init(temperature: Float) {
        self.temperature = temperature
    }

    public func apply(to candidates: inout TokenCandidates) {
        if temperature == 1 || candidates.count == 0 { return }
        let t = temperature
        let m = candidates.maximumLogit
        if m == -.infinity { return }
        candidates.logits.withUnsafeMutableBufferPointer { logits in
            for i in logits.indices { logits[i] = (logits[i] - m) / t }
        }
        // Dividing by t > 0 keeps the (non-strict) order, so `isSorted` stays true if it was.
    }
}
