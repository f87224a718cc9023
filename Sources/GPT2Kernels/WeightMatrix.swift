/// The weight W of a linear layer y = x · W (+ bias), with `inputs` (k) rows of x's width and
/// `outputs` (n) columns, in one of the storage formats the kernels compute from. Activations
/// and results are always fp32; the weight may be stored narrower and widened (or used as
/// integers) inside the kernel.
///
/// | format | layout | `data` | `scales` |
/// |---|---|---|---|
/// | f32, f16, bf16 | inputMajor, outputMajor | elements, row-major in the layout | nil |
/// | f32, f16, bf16 | inputPanels | elements [n / 16][k][16] | nil |
/// | int8 | outputMajor | Int8 [n, k], symmetric: w = q * scale[row] | Float [n] |
/// | int8 | inputPanels | k even; the first n - n % 16 outputs in panels of 16 (`int8Position`), the rest output-major | Float [n] |
/// | q4 | outputMajor | UInt8 [n, k / 2]: blocks of 32 along k, low nibble first, w = (q - 8) * scale | Float16 bits (UInt16) [n, k / 32] |
/// | q4 | inputPanels | the first n - n % 16 outputs in panels of 16 (`q4Position`), the rest output-major | panels: [n / 16][k / 32][16], the rest [n % 16, k / 32] |
///
/// The memory is borrowed: `owner` keeps the memory map or buffer that holds it alive.
public struct WeightMatrix: @unchecked Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case f32, f16, bf16, int8, q4
    }

    public enum Layout: Sendable {
        /// [k, n] row-major: Hugging Face's Conv1D layout (GPT-2's c_attn, c_proj, c_fc).
        case inputMajor
        /// [n, k] row-major: nn.Linear's layout, and the tied LM head (wte is [vocab, C]).
        case outputMajor
        /// [k, n] cut into panels of 16 columns, panel after panel, each `k` rows of 16
        /// contiguous elements: element (p, j) at `((j / 16) * k + p) * 16 + j % 16`. f32, f16
        /// or bf16, n a multiple of 16. The kernels' own layout, prepared once at load from Conv1D's
        /// [k, n]: one token's product streams every panel in memory order with its 16 sums in
        /// registers, and prompt tiles read the panels as they are, with no packing per call.
        /// For q4 (any n), 16 outputs a panel with 8 elements of each in a 64-byte chunk (see
        /// `q4Position`), the last n % 16 outputs output-major; for int8 (k even, any n), 16
        /// outputs a panel with 2 elements of each in a 32-byte chunk (see `int8Position`), the
        /// last n % 16 outputs output-major.
        case inputPanels
    }

    /// Columns per panel of the `inputPanels` layout.
    public static let panelWidth = 16

    /// Elements per q4 block (along k), each block with one Float16 scale.
    public static let q4BlockSize = 32

    public let format: Format
    public let layout: Layout
    /// k: the width of the activations this weight multiplies.
    public let inputs: Int
    /// n: the width of the result.
    public let outputs: Int
    public let data: UnsafeRawPointer
    public let scales: UnsafeRawPointer?
    public let owner: AnyObject?

    public init(format: Format, layout: Layout, inputs: Int, outputs: Int, data: UnsafeRawPointer,
                scales: UnsafeRawPointer? = nil, owner: AnyObject?) {
        precondition(format == .f32 || format == .f16 || format == .bf16 || layout == .outputMajor
                        || ((format == .q4 || format == .int8) && layout == .inputPanels),
                     "\(format) weights are stored output-major ([n, k])")
        precondition(layout != .inputPanels || Self.canUsePanels(format: format, inputs: inputs, outputs: outputs),
                     "inputPanels weights are q4, int8 with k even, or f32, f16 or bf16 with n a multiple of \(Self.panelWidth)")
        precondition(format != .q4 || inputs % Self.q4BlockSize == 0, "q4 weights need k divisible by \(Self.q4BlockSize)")
        precondition((format == .int8 || format == .q4) == (scales != nil), "\(format) weights \((format == .int8 || format == .q4) ? "need" : "take no") scales")
        self.format = format
        self.layout = layout
        self.inputs = inputs
        self.outputs = outputs
        self.data = data
        self.scales = scales
        self.owner = owner
    }

    /// An fp32 weight.
    public init(f32 pointer: UnsafePointer<Float>, layout: Layout, inputs: Int, outputs: Int, owner: AnyObject?) {
        self.init(format: .f32, layout: layout, inputs: inputs, outputs: outputs, data: UnsafeRawPointer(pointer), owner: owner)
    }

    /// Bytes of `data`.
    public var dataByteCount: Int {
        switch format {
        case .f32: return inputs * outputs * 4
        case .f16, .bf16: return inputs * outputs * 2
        case .int8: return inputs * outputs
        case .q4: return inputs * outputs / 2
        }
    }

    /// Bytes of `scales`.
    public var scalesByteCount: Int {
        switch format {
        case .f32, .f16, .bf16: return 0
        case .int8: return outputs * 4
        case .q4: return outputs * (inputs / Self.q4BlockSize) * 2
        }
    }

    /// Bytes a kernel streams to multiply by this weight once.
    public var byteCount: Int { dataByteCount + scalesByteCount }
}
