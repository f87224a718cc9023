/// One step of the first stage of a ``SamplerChain``: rewrites the full vocabulary's logits in
/// place before any truncation (penalties, biases, bans).
///
/// `logits` is the model's last-position output, `vocabularySize` floats indexed by token id;
/// set a logit to `-Float.infinity` to make its token impossible. Processors are values that may
/// keep reusable scratch buffers between calls (hence `mutating`); they must not keep state that
/// changes which token is chosen for the same inputs, so that one seed gives one text.
///
/// Extra rules (for example a privacy guard that bans tokens) implement this protocol and enter
/// through ``SamplerChain/init(parameters:endOfTextID:extraProcessors:)``, which runs them first.
public protocol LogitsProcessor: Sendable {
    /// Rewrites `logits` (one per token id) for the step described by `context`.
    mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext)
}
