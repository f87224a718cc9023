/// Top-k truncation with Hugging Face's `TopKLogitsWarper` semantics: keeps every candidate
/// whose logit is at least the k-th largest, so ties at the boundary are all kept and more than
/// `k` tokens may remain. `k == 0` (or `k >=` the candidate count) keeps everything.
///
/// The k-th largest logit is found by selection, not by sorting the vocabulary: a size-k min-heap
/// in one pass when `k <= 256` (one comparison per token for GPT-2's 50257), a three-way
/// quickselect on a scratch copy otherwise. Small survivor sets are then sorted so that a
/// following ``TopPFilter`` needs no search.
public struct TopKFilter: CandidateFilter {
    /// How many of the most likely tokens to keep (more on ties); `0` is off.
    public let k: Int

    private var scratch: [Float] = []

    /// Creates the filter; `k == 0` turns it off.
    public init(k: Int) {
        self.k = k
    }

    public mutating func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard k > 0, k < n else { return }
        let kth: Float
        if candidates.isSorted {
            kth = candidates.entries[k - 1].logit
        } else if k <= 256 {
            kth = kthLargestByHeap(candidates.entries)
        } else {
            kth = kthLargestBySelection(candidates.entries)
        }
        // Stable compaction: the kept entries stay in their order, so `isSorted` stays true.
        var kept = 0
        candidates.entries.withUnsafeMutableBufferPointer { entries in
            for r in 0..<n where entries[r].logit >= kth {
                entries[kept] = entries[r]
                kept += 1
            }
        }
        candidates.entries.removeLast(n - kept)
        if kept <= 4096 { candidates.sort() }
    }

    /// The k-th largest logit via a min-heap of the k largest seen so far; O(n + k log k) for
    /// logits in random order.
    private mutating func kthLargestByHeap(_ entries: [TokenCandidates.Entry]) -> Float {
        let k = k
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(k)
        for i in 0..<k { scratch.append(entries[i].logit) }
        return scratch.withUnsafeMutableBufferPointer { heap in
            for i in stride(from: k / 2 - 1, through: 0, by: -1) { Self.siftDown(heap, i) }
            for i in k..<entries.count {
                let x = entries[i].logit
                if x > heap[0] {
                    heap[0] = x
                    Self.siftDown(heap, 0)
                }
            }
            return heap[0]
        }
    }

    @inline(__always)
    private static func siftDown(_ heap: UnsafeMutableBufferPointer<Float>, _ start: Int) {
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

    /// The k-th largest logit by three-way quickselect (median-of-three pivots) on a copy.
    private mutating func kthLargestBySelection(_ entries: [TokenCandidates.Entry]) -> Float {
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(entries.count)
        for e in entries { scratch.append(e.logit) }
        let rank = entries.count - k  // 0-based rank of the answer in ascending order
        return scratch.withUnsafeMutableBufferPointer { a in
            var lo = 0
            var hi = a.count - 1
            while lo < hi {
                let x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi]
                let pivot = max(min(x, y), min(max(x, y), z))
                // a[lo..<lt] < pivot, a[lt...gt] == pivot, a[gt+1...hi] > pivot
                var lt = lo, i = lo, gt = hi
                while i <= gt {
                    let v = a[i]
                    if v < pivot {
                        a.swapAt(lt, i)
                        lt += 1
                        i += 1
                    } else if v > pivot {
                        a.swapAt(i, gt)
                        gt -= 1
                    } else {
                        i += 1
                    }
                }
                if rank < lt {
                    hi = lt - 1
                } else if rank > gt {
                    lo = gt + 1
                } else {
                    return pivot
                }
            }
            return a[lo]
        }
    }
}
