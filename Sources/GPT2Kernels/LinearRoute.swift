/// Which kernel computes one `Kernels.linear` (or `Kernels.matmul`) call: the one place that
/// decides, from the weight's format and layout, the rows of A and the instruction-set level.
///
/// The table (`m` = rows of A; "C" = `CGPT2Kernels`, compiled once per level from one source;
/// "Swift" = `GPT2Kernels`' SIMD16 loops, the same at every level):
///
/// | format | layout | rows | portable | AVX2 | AVX-512 (+VNNI) |
/// |---|---|---|---|---|---|
/// | f32 | inputPanels | m <= 4 | Swift panel stream | C panels | Swift panel stream |
/// | f32 | inputPanels | 4 < m <= 16 | Swift panel stream | C panels | C panels |
/// | f32 | inputPanels | m > 16 | Swift panel tiles | Swift panel tiles | C panels |
/// | f32 | outputMajor | m = 1 | Swift dot rows | C rows | Swift dot rows |
/// | f32 | outputMajor | 1 < m <= 4 | Swift dot rows | Swift dot rows | Swift dot rows |
/// | f32 | outputMajor | m > 4 | Swift transposed tiles | same | same |
/// | f32 | inputMajor | m <= 2 | Swift stream rows | same | same |
/// | f32 | inputMajor | 2 < m <= 24 | Swift streamed tiles | same | same |
/// | f32 | inputMajor | m > 24 | Swift packed tiles | same | same |
/// | f16, bf16 | inputPanels | any | C half panels | same | same |
/// | f16, bf16 | [k, n] or [n, k] | any | C half rows | same | same |
/// | int8 | inputPanels | any | C int8 panels | same | same |
/// | int8 | [k, n] or [n, k] | any | C int8 rows | same | same |
/// | q4 | any | any | C q4 | same | same |
///
/// Why: few rows are bound by reading the weight, so those routes stream it once in memory
/// order (the C kernels also prefetch on AVX2); many rows are bound by FMA throughput, so those
/// run register tiles. The thresholds were measured on GPT-2 124M's shapes (README, "Kernel
/// routes"). Every route computes every shape of the formats and layouts it accepts at every
/// level it `runs(at:)`, so tests force each route at each level (`Kernels.linear(route:)`)
/// and compare it with `NaiveKernels`, whatever the table picks on the machine at hand.
public enum LinearRoute: String, CaseIterable, Sendable, CustomStringConvertible {
    /// fp32 panels, C tiles of up to 6 rows x 1 (AVX2) or 4 (AVX-512) panels.
    case f32PanelsC
    /// fp32 panels, one Swift pass per thread over its run of panels, sums in registers.
    case f32PanelStream
    /// fp32 panels, Swift 6x16 tiles over A packed once.
    case f32PanelTiles
    /// fp32 `[n, k]` rows, C dot products with prefetch, one row of A at a time.
    case f32RowsC
    /// fp32 `[n, k]` rows, Swift dot products of up to 4 rows of A at once.
    case f32DotRows
    /// fp32 `[n, k]`, Swift tiles with the weight's rows as the broadcast operand.
    case f32TransposedTiles
    /// fp32 `[k, n]`, one weight row at a time into sums kept in L1.
    case f32StreamRows
    /// fp32 `[k, n]`, blocks of whole weight rows multiplied from cache by tiles.
    case f32StreamedTiles
    /// fp32 `[k, n]`, column blocks packed into panels, then tiles.
    case f32PackedTiles
    /// fp16 / bf16 panels (C).
    case halfPanelsC
    /// fp16 / bf16 `[k, n]` or `[n, k]` rows (C).
    case halfRowsC
    /// int8 panels, activations quantized per row (C).
    case int8PanelsC
    /// int8 `[k, n]` or `[n, k]` rows (C; from 32 rows at VNNI, packed 32-column panels).
    case int8RowsC
    /// q4 in either layout (C; vector kernels for panels).
    case q4C

    /// Up to this many rows, fp32 panels are streamed where AVX-512's C tiles exist (measured:
    /// streaming keeps up with the tiles up to here, and falls behind at 16).
    public static let panelStreamMaxRowsBeforeCTiles = 4
    /// Up to this many rows, fp32 panels are streamed; beyond, tiles' higher FMA-to-load ratio wins.
    public static let panelStreamMaxRows = 16
    /// Up to this many rows, an fp32 `[n, k]` weight is read by dot products (GEMV).
    public static let dotRowsMaxRows = 4
    /// Up to this many rows, an fp32 `[k, n]` weight is streamed row by row with sums in L1.
    public static let streamRowsMaxRows = 2
    /// Up to this many rows, an fp32 `[k, n]` weight is read in blocks of whole rows.
    public static let streamedMaxRows = 24

    /// The route the table gives a product of `rows` rows of A with a weight of `format` stored
    /// in `layout`, at `isa`.
    public static func choose(format: WeightMatrix.Format, layout: WeightMatrix.Layout, rows m: Int,
                              isa: LinearISA) -> LinearRoute {
        switch (format, layout) {
        case (.f32, .inputPanels):
            if isa == .avx2 && m <= panelStreamMaxRows { return .f32PanelsC }
            if isa >= .avx512 && m > panelStreamMaxRowsBeforeCTiles { return .f32PanelsC }
            return m <= panelStreamMaxRows ? .f32PanelStream : .f32PanelTiles
        case (.f32, .outputMajor):
            if m == 1 && isa == .avx2 { return .f32RowsC }
            return m <= dotRowsMaxRows ? .f32DotRows : .f32TransposedTiles
        case (.f32, .inputMajor):
            if m <= streamRowsMaxRows { return .f32StreamRows }
            return m <= streamedMaxRows ? .f32StreamedTiles : .f32PackedTiles
        case (.f16, .inputPanels), (.bf16, .inputPanels): return .halfPanelsC
        case (.f16, _), (.bf16, _): return .halfRowsC
        case (.int8, .inputPanels): return .int8PanelsC
        case (.int8, _): return .int8RowsC
        case (.q4, _): return .q4C
        }
    }

    /// Whether this route computes weights of `format` stored in `layout`.
    public func accepts(format: WeightMatrix.Format, layout: WeightMatrix.Layout) -> Bool {
        switch self {
        case .f32PanelsC, .f32PanelStream, .f32PanelTiles: return format == .f32 && layout == .inputPanels
        case .f32RowsC, .f32DotRows, .f32TransposedTiles: return format == .f32 && layout == .outputMajor
        case .f32StreamRows, .f32StreamedTiles, .f32PackedTiles: return format == .f32 && layout == .inputMajor
        case .halfPanelsC: return (format == .f16 || format == .bf16) && layout == .inputPanels
        case .halfRowsC: return (format == .f16 || format == .bf16) && layout != .inputPanels
        case .int8PanelsC: return format == .int8 && layout == .inputPanels
        case .int8RowsC: return format == .int8 && layout != .inputPanels
        case .q4C: return format == .q4
        }
    }

    /// Whether this route has a kernel at `isa` (the fp32 C kernels are vector code only: they
    /// have no portable level; C rows run its AVX2 kernel on AVX-512 CPUs too).
    public func runs(at isa: LinearISA) -> Bool {
        switch self {
        case .f32PanelsC: return isa >= .avx2
        case .f32RowsC: return isa >= .avx2
        default: return true
        }
    }

    public var description: String { rawValue }
}
