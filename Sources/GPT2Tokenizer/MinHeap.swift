/// A binary min-heap of `UInt64` stored in an array (the long-piece merger's queue of
/// `rank << 32 | position`).
enum MinHeap {
    static func heapify(_ heap: inout [UInt64]) {
        var i = heap.count / 2 - 1
        while i >= 0 {
            siftDown(&heap, from: i)
            i -= 1
        }
    }

    static func push(_ heap: inout [UInt64], _ value: UInt64) {
        heap.append(value)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    static func popMin(_ heap: inout [UInt64]) {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(&heap, from: 0)
        }
    }

    private static func siftDown(_ heap: inout [UInt64], from start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= count { return }
            var smallest = left
            if left + 1 < count && heap[left + 1] < heap[left] { smallest = left + 1 }
            if heap[parent] <= heap[smallest] { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
