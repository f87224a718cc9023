/// How a checkpoint stores a linear weight named `name` (a `ParameterLayout` name) in each
/// `WeightMatrix.Format`:
///
/// | format | tensors |
/// |---|---|
/// | f32, f16, bf16 | `name` as Hugging Face stores it: [in, out] for Conv1D weights, [vocab, C] for wte and lm_head |
/// | int8 | `name.int8` I8 [out, in], `name.scale` F32 [out] |
/// | q4 | `name.q4` U8 [out, in / 2], `name.q4_scale` F16 [out, in / 32] |
///
/// Files with int8 or q4 weights also carry the metadata key `gpt2.weights` with the format
/// name, and keep `wte.weight` as f16 for embedding lookups beside an untied quantized head.
public enum QuantizedTensorNames {
    public static func int8(_ name: String) -> (values: String, scales: String) { (name + ".int8", name + ".scale") }
    public static func q4(_ name: String) -> (values: String, scales: String) { (name + ".q4", name + ".q4_scale") }
    /// Metadata key naming the narrowest weight format in a file.
    public static let metadataKey = "gpt2.weights"
}
