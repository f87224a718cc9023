/// The element type of a tensor, spelled as in a safetensors header (`"F32"`, `"BF16"`, ...).
///
/// Covers every byte-sized dtype of the safetensors format. The sub-byte dtypes (`F4`,
/// `F6_E2M3`, `F6_E3M2`) are not read: a file using them fails with
/// `CheckpointError.unknownDType`.
public enum TensorDType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"
    /// 8-bit floats (OCP FP8 and AMD's FNUZ variants); one byte per element.
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    /// Complex number of two F32 (real, imaginary); 8 bytes per element.
    case c64 = "C64"

    /// Bytes per element (1, 2, 4 or 8).
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64, .c64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: 1
        }
    }

    /// Whether the dtype holds floating-point values.
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: true
        default: false
        }
    }

    /// The header spelling, e.g. `BF16`.
    public var description: String { rawValue }
}
