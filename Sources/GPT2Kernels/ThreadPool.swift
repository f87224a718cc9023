#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A fixed set of persistent worker threads for data-parallel kernels; the calling thread takes
/// part in every job, so `ThreadPool(threadCount: 2)` starts one extra thread.
///
/// Workers spin briefly on an atomic job counter after each job (decode calls the pool ~70 times
/// per token, microseconds apart) and then sleep on a condition variable, so an idle pool costs
/// no CPU. `parallelFor` is meant to be called from one thread at a time; a call made while
/// another is running (from inside a body, or concurrently from another thread) is not an error:
/// it runs inline on the calling thread.
public final class ThreadPool: @unchecked Sendable {
    /// Total threads that execute a job, the caller included (at least 1).
    public let threadCount: Int
    private let state: ThreadPoolState
    private var threads: [pthread_t] = []

    /// Starts `threadCount - 1` worker threads; `threadCount <= 1` runs every job inline.
    /// - Parameter spinIterations: how many polls of the job counter a worker makes after a job
    ///   before it sleeps (about 10-50 microseconds for the default).
    public init(threadCount: Int, spinIterations: Int = 20_000) {
        self.threadCount = max(1, threadCount)
        state = ThreadPoolState(workers: self.threadCount - 1, spinIterations: max(0, spinIterations))
        for worker in 1..<self.threadCount {
            let context = Unmanaged.passRetained(WorkerContext(state: state, thread: worker)).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t?
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
                context.state.workerLoop(thread: context.thread)
                return nil
            }, context)
            precondition(status == 0 && thread != nil, "ThreadPool could not start a worker thread (pthread_create returned \(status)).")
            threads.append(thread!)
            #else
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.state.workerLoop(thread: context.thread)
                return nil
            }, context)
            precondition(status == 0, "ThreadPool could not start a worker thread (pthread_create returned \(status)).")
            threads.append(thread)
            #endif
        }
    }

    deinit {
        state.shutDown()
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Runs `body(i)` once for every `i` in `0..<count`, spread over the pool's threads
    /// (indices are handed out one at a time, so uneven items balance), and returns when all
    /// have finished. Nested or concurrent calls run inline on the calling thread.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 || !state.tryAcquire() {
            for i in 0..<count { body(i) }
            return
        }
        defer { state.release() }
        withoutActuallyEscaping(body) { escapable in
            state.run(count: count, body: { index, _ in escapable(index) })
        }
    }

    /// Like `parallelFor(_:_:)`, and also passes the index (`0..<threadCount`) of the thread
    /// that runs the item, for per-thread scratch and partial sums: items with the same thread
    /// index never run at the same time. Nested or concurrent calls run inline with thread index 0.
    public func parallelFor(_ count: Int, withThreadIndex body: (_ index: Int, _ thread: Int) -> Void) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 || !state.tryAcquire() {
            for i in 0..<count { body(i, 0) }
            return
        }
        defer { state.release() }
        withoutActuallyEscaping(body) { escapable in
            state.run(count: count, body: escapable)
        }
    }

    /// Runs `body(t)` once for each thread index `t` in `0..<threadCount`, each on a distinct
    /// thread when the pool is free, for kernels that give every thread its own scratch slice.
    public func perThread(_ body: (Int) -> Void) {
        parallelFor(threadCount, body)
    }
}

/// What a worker thread starts with.
final class WorkerContext: @unchecked Sendable {
    let state: ThreadPoolState
    let thread: Int

    init(state: ThreadPoolState, thread: Int) {
        self.state = state
        self.thread = thread
    }
}

/// The state shared by a pool and its workers; workers keep it alive after the pool is gone
/// until they have seen the shutdown.
final class ThreadPoolState: @unchecked Sendable {
    let workers: Int
    let spinIterations: Int
    /// Incremented once per job; workers wait for it to change.
    let generation = Atomic<Int>(0)
    let nextIndex = Atomic<Int>(0)
    /// Workers that have not yet finished the current job.
    let pending = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let busy = Atomic<Bool>(false)
    let stopping = Atomic<Bool>(false)
    // Written by the caller before `generation` is published, read by workers after they observe it.
    var jobCount = 0
    var jobBody: ((Int, Int) -> Void)?
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let condition: UnsafeMutablePointer<pthread_cond_t>

    init(workers: Int, spinIterations: Int) {
        self.workers = workers
        self.spinIterations = spinIterations
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func tryAcquire() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func release() {
        busy.store(false, ordering: .releasing)
    }

    func run(count: Int, body: @escaping (Int, Int) -> Void) {
        jobBody = body
        jobCount = count
        nextIndex.store(0, ordering: .relaxed)
        pending.store(workers, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        runItems(body, count: count, thread: 0)
        var polls = 0
        while pending.load(ordering: .acquiring) > 0 {
            polls += 1
            if polls > 4_096 { sched_yield() }
        }
        jobBody = nil
    }

    func shutDown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func wakeSleepers() {
        // Pairs with the sleeper's increment-then-recheck: one of the two sides sees the other.
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    @inline(__always)
    private func runItems(_ body: (Int, Int) -> Void, count: Int, thread: Int) {
        while true {
            let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i, thread)
        }
    }

    func workerLoop(thread: Int) {
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring)
            var polls = 0
            while current == seen && polls < spinIterations {
                polls += 1
                current = generation.load(ordering: .acquiring)
            }
            if current == seen {
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                current = generation.load(ordering: .sequentiallyConsistent)
                while current == seen {
                    pthread_cond_wait(condition, mutex)
                    current = generation.load(ordering: .sequentiallyConsistent)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            if let body = jobBody {
                runItems(body, count: jobCount, thread: thread)
            }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
