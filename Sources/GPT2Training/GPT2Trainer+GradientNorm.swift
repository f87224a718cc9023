import GPT2Kernels

extension GPT2Trainer {
    /// Elements per partial sum of `gradientNorm`.
    static let normBlock = 4096

    /// √(Σ gradient²) over every trainable parameter: each tensor in blocks of `normBlock`
    /// elements, each block summed in Float in element order, the block sums added in Double in
    /// tensor and block order. The blocks are summed on `pool`, eight side by side per thread
    /// (independent chains, so the additions overlap); the order of every addition is fixed, so
    /// the norm has the same bits for any thread count.
    public func gradientNorm() -> Double {
        let block = Self.normBlock
        let blocks = trainableGradientBlocks(of: block)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: max(1, blocks.count))
        defer { sums.deallocate() }
        let g = UnsafePointer(gradients.pointer)
        blocks.withUnsafeBufferPointer { list in
            let groups = (list.count + 7) / 8
            let run = { (group: Int) in
                let first = group * 8, end = min(list.count, first + 8)
                if end - first == 8 && list[first..<end].allSatisfy({ $0.count == block }) {
                    Self.sumSquaresOfEight(g, list.baseAddress! + first, count: block, into: sums + first)
                } else {
                    for b in first..<end { sums[b] = Self.sumSquares(g + list[b].start, count: list[b].count) }
                }
            }
            pool.parallelFor(groups, run)
        }
        var total: Double = 0
        for b in 0..<blocks.count { total += Double(sums[b]) }
        return total.squareRoot()
    }

    /// Σ x[j]² in Float, in element order.
    static func sumSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for j in 0..<count { sum += x[j] * x[j] }
        return sum
    }

    /// `sumSquares` of eight blocks of `count` elements (starting at `g + blocks[k].start`) at
    /// once, each in its own register, into sums[0..<8].
    @inline(never)
    static func sumSquaresOfEight(_ g: UnsafePointer<Float>, _ blocks: UnsafePointer<(start: Int, count: Int)>,
                                  count: Int, into sums: UnsafeMutablePointer<Float>) {
        let x0 = g + blocks[0].start, x1 = g + blocks[1].start, x2 = g + blocks[2].start, x3 = g + blocks[3].start
        let x4 = g + blocks[4].start, x5 = g + blocks[5].start, x6 = g + blocks[6].start, x7 = g + blocks[7].start
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        for j in 0..<count {
            s0 += x0[j] * x0[j]
            s1 += x1[j] * x1[j]
            s2 += x2[j] * x2[j]
            s3 += x3[j] * x3[j]
            s4 += x4[j] * x4[j]
            s5 += x5[j] * x5[j]
            s6 += x6[j] * x6[j]
            s7 += x7[j] * x7[j]
        }
        sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3
        sums[4] = s4; sums[5] = s5; sums[6] = s6; sums[7] = s7
    }

    /// Scales the gradients so their global norm is at most `maxNorm`, as
    /// `torch.nn.utils.clip_grad_norm_` does (factor maxNorm / (norm + 1e-6), at most 1).
    /// Returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Double {
        let norm = gradientNorm()
        guard maxNorm > 0 else { return norm }
        let factor = Float(Double(maxNorm) / (norm + 1e-6))
        if factor < 1 {
            // The trainable tensors only: a frozen one's gradient is zero and its memory untouched.
            let g = gradients.pointer
            trainableGradientBlocks(of: 1 << 16).withUnsafeBufferPointer { list in
                pool.parallelFor(list.count) { b in
                    for j in list[b].start..<(list[b].start + list[b].count) { g[j] *= factor }
                }
            }
        }
        return norm
    }

    /// The trainable tensors' elements in `gradients`, in order, cut into blocks of `size`
    /// elements (a tensor's last block may be shorter): the work items of the norm and the clip.
    func trainableGradientBlocks(of size: Int) -> [(start: Int, count: Int)] {
        var blocks: [(start: Int, count: Int)] = []
        for (i, entry) in gradients.entries.enumerated() where trainable[i] {
            var start = gradients.offsets[i], left = entry.elementCount
            while left > 0 {
                blocks.append((start, min(size, left)))
                start += size
                left -= size
            }
        }
        return blocks
    }
}
