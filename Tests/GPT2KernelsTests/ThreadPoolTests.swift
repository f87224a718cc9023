import GPT2Kernels
import Synchronization
import Testing

struct ThreadPoolTests {
    @Test(arguments: [1, 2, 3, 5])
    func parallelFor_runsEveryIndexExactlyOnce(threads: Int) {
        let pool = ThreadPool(threadCount: threads)
        #expect(pool.threadCount == threads)
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            for _ in 0..<50 {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                hits.initialize(repeating: 0, count: max(count, 1))
                pool.parallelFor(count) { hits[$0] += 1 }
                for i in 0..<count where hits[i] != 1 {
                    Issue.record("threads=\(threads) count=\(count): index \(i) ran \(hits[i]) times")
                }
                hits.deallocate()
            }
        }
    }

    @Test
    func parallelFor_nestedCallRunsInline() {
        let pool = ThreadPool(threadCount: 2)
        let total = Atomic<Int>(0)
        pool.parallelFor(4) { _ in
            pool.parallelFor(5) { j in total.add(j + 1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 15)
    }

    /// Many short jobs back to back, with pauses long enough for the workers to fall asleep.
    @Test
    func parallelFor_manyJobsAndSleepWake() {
        let pool = ThreadPool(threadCount: 3, spinIterations: 10)
        let total = Atomic<Int>(0)
        for round in 0..<2_000 {
            pool.parallelFor(3) { i in total.add(i, ordering: .relaxed) }
            if round % 500 == 0 {
                var x = 0.0
                for i in 0..<200_000 { x += Double(i) }   // let the workers go to sleep
                #expect(x > 0)
            }
        }
        #expect(total.load(ordering: .relaxed) == 2_000 * 3)
    }

    @Test
    func perThread_givesEachThreadIndexOnce() {
        let pool = ThreadPool(threadCount: 3)
        let seen = Atomic<Int>(0)
        pool.perThread { t in seen.add(1 << t, ordering: .relaxed) }
        #expect(seen.load(ordering: .relaxed) == 0b111)
    }

    @Test
    func threadCount_belowOneMeansInline() {
        let pool = ThreadPool(threadCount: 0)
        #expect(pool.threadCount == 1)
        var order: [Int] = []
        pool.parallelFor(4) { order.append($0) }
        #expect(order == [0, 1, 2, 3])
    }
}

struct ThreadPoolThreadIndexTests {
    /// Items that share a thread index never overlap in time, so per-thread slots need no lock:
    /// each item adds to its thread's slot, and the slots must sum to the item count.
    @Test(arguments: [1, 2, 3])
    func parallelForWithThreadIndex_slotsAreExclusive(threads: Int) {
        let pool = ThreadPool(threadCount: threads)
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: threads * 16)
        slots.initialize(repeating: 0, count: threads * 16)
        defer { slots.deallocate() }
        let flag = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        flag.initialize(to: false)
        defer { flag.deallocate() }
        for _ in 0..<200 {
            pool.parallelFor(37, withThreadIndex: { _, thread in
                if thread < 0 || thread >= threads { flag.pointee = true; return }
                let slot = slots + thread * 16       // one cache line per thread
                let before = slot.pointee
                slot.pointee = before + 1
            })
        }
        #expect(!flag.pointee, "a thread index was outside 0..<threadCount")
        #expect((0..<threads).reduce(0) { $0 + slots[$1 * 16] } == 200 * 37)
    }
}
