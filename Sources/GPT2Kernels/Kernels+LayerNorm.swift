extension Kernels {
    /// Layer normalization of `rows` contiguous rows of `cols` floats:
    /// `output[r, c] = (input[r, c] - mean_r) * rstd_r * weight[c] + bias[c]` with
    /// `rstd_r = 1 / sqrt(var_r + epsilon)` (biased variance, as PyTorch). `input` and `output`
    /// may be the same buffer. When given, `mean[r]` and `rstd[r]` receive the row statistics
    /// the backward pass needs. Rows are split over `pool`.
    public static func layerNorm(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 rows: Int, cols: Int, epsilon: Float,
                                 mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil,
                                 pool: ThreadPool? = nil) {
        if rows <= 0 || cols <= 0 { return }
        let rowsPerItem = 8
        if let pool, pool.threadCount > 1, rows >= 2 * rowsPerItem {
            let items = (rows + rowsPerItem - 1) / rowsPerItem
            pool.parallelFor(items) { item in
                let first = item * rowsPerItem
                for r in first..<min(rows, first + rowsPerItem) {
                    layerNormRow(input + r * cols, output + r * cols, weight, bias, cols, epsilon,
                                 mean.map { $0 + r }, rstd.map { $0 + r })
                }
            }
        } else {
            for r in 0..<rows {
                layerNormRow(input + r * cols, output + r * cols, weight, bias, cols, epsilon,
                             mean.map { $0 + r }, rstd.map { $0 + r })
            }
        }
    }

    /// One row, two passes (mean, then the sum of squared deviations). Both work on `x - x[0]`,
    /// which is exact for entries near the row's level, so rows sitting on a large offset keep
    /// full precision in their deviations.
    static func layerNormRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                             _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                             _ cols: Int, _ epsilon: Float,
                             _ meanOut: UnsafeMutablePointer<Float>?, _ rstdOut: UnsafeMutablePointer<Float>?) {
        let shift = x[0]
        let s = V(repeating: shift)
        var s0 = V(), s1 = V()
        var i = 0
        while i + 32 <= cols {
            s0 += loadV(x + i) - s
            s1 += loadV(x + i + 16) - s
            i += 32
        }
        var sum = (s0 + s1).sum()
        while i < cols {
            sum += x[i] - shift
            i += 1
        }
        let offset = sum / Float(cols)            // mean - shift
        let o = V(repeating: offset)
        var q0 = V(), q1 = V()
        i = 0
        while i + 32 <= cols {
            let d0 = (loadV(x + i) - s) - o
            let d1 = (loadV(x + i + 16) - s) - o
            q0 = q0.addingProduct(d0, d0)
            q1 = q1.addingProduct(d1, d1)
            i += 32
        }
        var squares = (q0 + q1).sum()
        while i < cols {
            let d = (x[i] - shift) - offset
            squares += d * d
            i += 1
        }
        let rstd = 1 / (squares / Float(cols) + epsilon).squareRoot()
        meanOut?.pointee = shift + offset
        rstdOut?.pointee = rstd
        let r = V(repeating: rstd)
        i = 0
        while i + 16 <= cols {
            let normalized = ((loadV(x + i) - s) - o) * r
            storeV(loadV(bias + i).addingProduct(normalized, loadV(weight + i)), y + i)
            i += 16
        }
        while i < cols {
            y[i] = ((x[i] - shift) - offset) * rstd * weight[i] + bias[i]
            i += 1
        }
    }
}

