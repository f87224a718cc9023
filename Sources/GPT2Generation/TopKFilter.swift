/// Top-k truncation with Hugging Face's `TopKLogitsWarper` semantics: keeps every candidate
/// whose logit is at least the k-th largest, so ties at the boundary are all kept and more than
/// `k` tokens may remain. `k == 0` (or `k >=` the candidate count) keeps everything.
///
/// The k-th largest logit is found by selection, not by sorting the vocabulary. For `k <= 512`, a
/// min-heap of the k largest so far, fed 16 logits at a time: a block with no logit above the
/// heap's minimum (nearly all of them, once the heap holds good values) costs one vector compare.
/// For larger k, a radix selection: logits become order-preserving 32-bit keys, a histogram of
/// the top 11 bits finds the bucket that holds the k-th largest, and two more histograms over that
/// bucket's members settle the remaining bits; O(n) with no bad inputs. Survivor sets of up to
/// 4096 are then sorted so a following ``TopPFilter`` needs no search.
public struct TopKFilter: CandidateFilter {
    /// How many of the most likely tokens to keep (more on ties); `0` is off.
    public let k: Int

    private var keys: [UInt32] = []
    private var histogram: [Int32] = []

    /// Creates the filter; `k == 0` turns it off.
    public init(k: Int) {
        self.k = k
    }

    public mutating func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard k > 0, k < n else { return }
        let kth: Float
        if candidates.isSorted {
            kth = candidates.logits[k - 1]
        } else if k <= 512 {
            kth = candidates.logits.withUnsafeBufferPointer { kthLargestByHeap($0) }
        } else {
            kth = kthLargest(candidates.logits)
        }
        candidates.retain(logitsAtLeast: kth)
        if !candidates.isSorted && candidates.count <= 4096 { candidates.sort() }
    }

    /// The k-th largest of `logits` (1-based) with a min-heap of size k, skipping 16-logit blocks
    /// that hold nothing above the heap's minimum.
    private mutating func kthLargestByHeap(_ logits: UnsafeBufferPointer<Float>) -> Float {
        let n = logits.count
        let k = k
        if keys.count < k { keys = [UInt32](repeating: 0, count: k) }
        // The heap holds ordered keys, so comparisons are integer ones.
        return keys.withUnsafeMutableBufferPointer { heapStorage in
            let heap = UnsafeMutableBufferPointer(rebasing: heapStorage[0..<k])
            for i in 0..<k { heap[i] = VectorMath.orderedBits(logits[i]) }
            for i in stride(from: k / 2 - 1, through: 0, by: -1) { Self.siftDown(heap, i) }
            @inline(__always) func offer(_ x: Float) {
                let key = VectorMath.orderedBits(x)
                if key > heap[0] {
                    heap[0] = key
                    Self.siftDown(heap, 0)
                }
            }
            var i = k
            while i < n && i % 16 != 0 {
                offer(logits[i])
                i += 1
            }
            let base = UnsafeRawPointer(logits.baseAddress!)
            while i + 16 <= n {
                let v = base.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                if v.max() > VectorMath.float(orderedBits: heap[0]) {
                    for lane in 0..<16 { offer(v[lane]) }
                }
                i += 16
            }
            while i < n {
                offer(logits[i])
                i += 1
            }
            return VectorMath.float(orderedBits: heap[0])
        }
    }

    @inline(__always)
    private static func siftDown(_ heap: UnsafeMutableBufferPointer<UInt32>, _ start: Int) {
        var i = start
        let n = heap.count
        let x = heap[i]
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && heap[child + 1] < heap[child] { child += 1 }
            if heap[child] >= x { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = x
    }

    /// The k-th largest of `logits` (1-based), by most-significant-digit radix selection over
    /// digits of 11, 11 and 10 bits.
    private mutating func kthLargest(_ logits: [Float]) -> Float {
        let n = logits.count
        if keys.count < n { keys = [UInt32](repeating: 0, count: n) }
        if histogram.count < 2048 { histogram = [Int32](repeating: 0, count: 2048) }
        var remaining = Int32(k)  // rank of the answer, from the top, among keys matching `prefix`
        var prefix: UInt32 = 0
        return keys.withUnsafeMutableBufferPointer { keys in
            histogram.withUnsafeMutableBufferPointer { histogram in
                var live = n
                for (pass, (shift, bits)) in [(UInt32(21), UInt32(11)), (10, 11), (0, 10)].enumerated() {
                    let digitMask: UInt32 = (1 << bits) - 1
                    for d in 0..<Int(digitMask + 1) { histogram[d] = 0 }
                    if pass == 0 {
                        for i in 0..<n {
                            let key = VectorMath.orderedBits(logits[i])
                            keys[i] = key
                            histogram[Int(key >> shift)] += 1
                        }
                    } else {
                        // Keep only the keys in the chosen bucket (those matching the digits so far).
                        let highMask = ~((UInt32(1) << (shift + bits)) - 1)
                        var kept = 0
                        for i in 0..<live where keys[i] & highMask == prefix {
                            keys[kept] = keys[i]
                            kept += 1
                        }
                        live = kept
                        for i in 0..<live { histogram[Int((keys[i] >> shift) & digitMask)] += 1 }
                    }
                    var digit = Int(digitMask)
                    while remaining > histogram[digit] {
                        remaining -= histogram[digit]
                        digit -= 1
                    }
                    prefix |= UInt32(digit) << shift
                }
                return VectorMath.float(orderedBits: prefix)
            }
        }
    }
}
