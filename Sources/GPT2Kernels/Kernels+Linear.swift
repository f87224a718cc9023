extension Kernels {
    /// `C[m, n] = A[m, k] · W (+ bias[n])`, or `C += ...` when `accumulate`, for a weight in any
    /// `WeightMatrix` format. `a`: m rows of k floats, row stride `lda`; `c`: m rows of n floats,
    /// row stride `ldc`.
    public static func linear(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool = false,
                              pool: ThreadPool?) {
        switch weight.format {
        case .f32:
            let transposed = weight.layout == .outputMajor
            matmul(a: a, lda: lda, b: weight.data.assumingMemoryBound(to: Float.self),
                   ldb: transposed ? weight.inputs : weight.outputs, transposedB: transposed,
                   bias: bias, c: c, ldc: ldc, m: m, n: weight.outputs, k: weight.inputs,
                   accumulate: accumulate, pool: pool)
        case .f16, .bf16, .int8, .q4:
            NaiveKernels.linear(a: a, lda: lda, weight: weight, bias: bias, c: c, ldc: ldc, m: m, accumulate: accumulate)
        }
    }
}

extension NaiveKernels {
    /// Reference for `Kernels.linear`: widens every weight to fp32 and accumulates in Double.
    public static func linear(a: UnsafePointer<Float>, lda: Int, weight: WeightMatrix, bias: UnsafePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool = false) {
        let k = weight.inputs, n = weight.outputs
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * lda + p]) * Double(weightValue(weight, input: p, output: j)) }
                if let bias { sum += Double(bias[j]) }
                if accumulate { sum += Double(c[i * ldc + j]) }
                c[i * ldc + j] = Float(sum)
            }
        }
    }

    /// W[input, output] widened to fp32.
    public static func weightValue(_ w: WeightMatrix, input p: Int, output j: Int) -> Float {
        let index = w.layout == .inputMajor ? p * w.outputs + j : j * w.inputs + p
        switch w.format {
        case .f32:
            return w.data.load(fromByteOffset: index * 4, as: Float.self)
        case .f16:
            return Float(Float16(bitPattern: w.data.load(fromByteOffset: index * 2, as: UInt16.self)))
        case .bf16:
            return Float(bitPattern: UInt32(w.data.load(fromByteOffset: index * 2, as: UInt16.self)) << 16)
        case .int8:
            let q = w.data.load(fromByteOffset: index, as: Int8.self)
            return Float(q) * w.scales!.load(fromByteOffset: j * 4, as: Float.self)
        case .q4:
            let byte = w.data.load(fromByteOffset: index / 2, as: UInt8.self)
            let q = Int(index % 2 == 0 ? byte & 0x0F : byte >> 4) - 8
            let blocks = w.inputs / WeightMatrix.q4BlockSize
            let bits = w.scales!.load(fromByteOffset: (j * blocks + p / WeightMatrix.q4BlockSize) * 2, as: UInt16.self)
            return Float(q) * Float(Float16(bitPattern: bits))
        }
    }
}
