import GPT2Kernels
import Testing

/// Random fp32 weights in a layout, and their quantized twin, kept alive together.
struct LinearCase: CustomTestStringConvertible, Sendable {
    let format: WeightMatrix.Format
    /// The layout of the fp32 source (f16 / bf16 keep it; int8 / q4 are output-major).
    let sourceLayout: WeightMatrix.Layout
    /// q4 and int8: the quantized weight rearranged into panels (`WeightMatrix.q4Position`,
    /// `WeightMatrix.int8Position`).
    var panels = false
    var testDescription: String { "\(format)\(panels ? " panels" : "") from \(sourceLayout == .inputMajor ? "[k, n]" : "[n, k]")" }

    static let all: [LinearCase] = [
        LinearCase(format: .f32, sourceLayout: .inputMajor), LinearCase(format: .f32, sourceLayout: .outputMajor),
        LinearCase(format: .f16, sourceLayout: .inputMajor), LinearCase(format: .f16, sourceLayout: .outputMajor),
        LinearCase(format: .bf16, sourceLayout: .inputMajor), LinearCase(format: .bf16, sourceLayout: .outputMajor),
        LinearCase(format: .int8, sourceLayout: .inputMajor), LinearCase(format: .int8, sourceLayout: .outputMajor),
        LinearCase(format: .int8, sourceLayout: .inputMajor, panels: true),
        LinearCase(format: .q4, sourceLayout: .inputMajor), LinearCase(format: .q4, sourceLayout: .outputMajor),
        LinearCase(format: .q4, sourceLayout: .inputMajor, panels: true),
    ]

    /// `values` (k * n floats in `sourceLayout`) quantized to `format`.
    func weight(_ values: [Float], k: Int, n: Int) -> WeightMatrix {
        (values.isEmpty ? [0] : values).withUnsafeBufferPointer { pointer in
            let source = WeightMatrix(f32: pointer.baseAddress!, layout: sourceLayout, inputs: k, outputs: n, owner: nil)
            return panels ? Quantizer.quantize(source, to: format, layout: .inputPanels) : Quantizer.quantize(source, to: format)
        }
    }
}

/// `NaiveKernels.linear` on arrays.
func naiveLinear(_ a: [Float], lda: Int, weight: WeightMatrix, bias: [Float]?, c: [Float], ldc: Int, m: Int,
                 accumulate: Bool) -> [Float] {
    var out = c
    a.withUnsafeBufferPointer { pa in out.withUnsafeMutableBufferPointer { pc in
        if let bias {
            bias.withUnsafeBufferPointer { pb in
                NaiveKernels.linear(a: pa.baseAddress!, lda: lda, weight: weight, bias: pb.baseAddress!, c: pc.baseAddress!,
                                    ldc: ldc, m: m, accumulate: accumulate)
            }
        } else {
            NaiveKernels.linear(a: pa.baseAddress!, lda: lda, weight: weight, bias: nil, c: pc.baseAddress!, ldc: ldc,
                                m: m, accumulate: accumulate)
        }
    } }
    return out
}

/// `Kernels.linear` on arrays.
func fastLinear(_ a: [Float], lda: Int, weight: WeightMatrix, bias: [Float]?, c: [Float], ldc: Int, m: Int,
                accumulate: Bool, pool: ThreadPool?, isa: LinearISA, route: LinearRoute? = nil) -> [Float] {
    var out = c
    a.withUnsafeBufferPointer { pa in out.withUnsafeMutableBufferPointer { pc in
        if let bias {
            bias.withUnsafeBufferPointer { pb in
                Kernels.linear(a: pa.baseAddress!, lda: lda, weight: weight, bias: pb.baseAddress!, c: pc.baseAddress!,
                               ldc: ldc, m: m, accumulate: accumulate, pool: pool, isa: isa, route: route)
            }
        } else {
            Kernels.linear(a: pa.baseAddress!, lda: lda, weight: weight, bias: nil, c: pc.baseAddress!, ldc: ldc, m: m,
                           accumulate: accumulate, pool: pool, isa: isa, route: route)
        }
    } }
    return out
}

/// The error bound of `Kernels.linear` against `NaiveKernels.linear` on the same stored weights,
/// for every C[i, j] (row stride `ldc`; padding entries get 0):
/// - rounding: `(k + 16) · 2^-24 · (sum_p |a w| + |bias| + |c|)`, a rigorous bound for fp32
///   sums of k terms (the fast kernels add far fewer terms in sequence than k);
/// - int8: plus `s_i / 2 · sum_p |w[p, j]|` with `s_i = (max(0, max a_i) - min(0, min a_i)) / 255`,
///   the most the u8 rounding of row i of `a` can move the exact sum;
/// - q4: plus `sum_blocks s_b / 2 · sum_(p in b) |w[p, j]|` with `s_b = max_(p in b) |a_ip| / 127`.
func linearErrorBound(_ a: [Float], lda: Int, weight: WeightMatrix, bias: [Float]?, c: [Float], ldc: Int, m: Int,
                      accumulate: Bool) -> [Float] {
    let k = weight.inputs, n = weight.outputs
    let w = (0..<n).map { j in (0..<k).map { p in abs(NaiveKernels.weightValue(weight, input: p, output: j)) } }
    var bound = [Float](repeating: 0, count: c.count)
    let epsilon = Double(k + 16) * 0x1p-24
    for i in 0..<m {
        let row = Array(a[(i * lda)..<(i * lda + k)])
        let rowScale = Double(max(0, row.max() ?? 0) - min(0, row.min() ?? 0)) / 255
        let blockScales = stride(from: 0, to: k, by: 32).map { Double(row[$0..<min(k, $0 + 32)].map(abs).max() ?? 0) / 127 }
        for j in 0..<n {
            var magnitude = 0.0, quantization = 0.0
            for p in 0..<k { magnitude += Double(abs(row[p])) * Double(w[j][p]) }
            switch weight.format {
            case .int8:
                quantization = rowScale / 2 * w[j].reduce(0) { $0 + Double($1) }
            case .q4:
                for (b, s) in blockScales.enumerated() {
                    quantization += s / 2 * w[j][(32 * b)..<(32 * b + 32)].reduce(0) { $0 + Double($1) }
                }
            default:
                break
            }
            magnitude += Double(abs(bias?[j] ?? 0)) + (accumulate ? Double(abs(c[i * ldc + j])) : 0)
            bound[i * ldc + j] = Float(quantization * (1 + 1e-4) + epsilon * (magnitude + quantization))
        }
    }
    return bound
}
