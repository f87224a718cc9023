/// Where one tensor lies in a safetensors file and what it holds.
///
/// Data is little-endian and row-major (C order), packed without strides.
public struct TensorInfo: Sendable, Hashable {
    /// The name as written in the file's header, e.g. `h.0.attn.c_attn.weight`.
    public let name: String
    public let dtype: TensorDType
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public let shape: [Int]
    /// Offset in bytes from the start of the file's data section (not from the start of the file).
    public let byteOffset: Int
    /// Length in bytes; always `elementCount * dtype.byteSize`.
    public let byteCount: Int

    public init(name: String, dtype: TensorDType, shape: [Int], byteOffset: Int, byteCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteOffset = byteOffset
        self.byteCount = byteCount
    }

    /// Product of `shape` (1 for a scalar, 0 when any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }
}
