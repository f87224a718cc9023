import Foundation
import GPT2Kernels

/// Measures how fast this machine streams memory into the cores: every thread sums its own
/// slice of a buffer far larger than the caches, with SIMD loads, as a weight-streaming GEMV
/// would. The best of several passes, in GB/s.
enum ReadBandwidth {
    /// The best rate over 1...`pool.threadCount` reading threads: on some machines (and on a
    /// loaded one) more threads read slower, and the bound should be the best the machine gives.
    static func measure(pool: ThreadPool, megabytes: Int = 1024, passes: Int = 5) -> Double {
        let count = megabytes * 1_000_000 / 4 / 64 * 64
        // 2 MiB pages, as the model's weights get (MappedFile), so the probe and the weights
        // pay the same address translation.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 2 << 20)
        defer { raw.deallocate() }
        #if os(Linux)
        _ = madvise(raw, count * 4, MADV_HUGEPAGE)
        #endif
        let buffer = raw.bindMemory(to: Float.self, capacity: count)
        buffer.initialize(repeating: 1, count: count)   // touch every page first
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: pool.threadCount)
        defer { sums.deallocate() }
        var best = 0.0
        for threads in 1...pool.threadCount {
            let slice = (count / threads) / 64 * 64
            for _ in 0..<passes {
                let start = DispatchTime.now().uptimeNanoseconds
                pool.parallelFor(threads) { t in
                    sums[t] = sum(buffer + t * slice, count: slice)
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best = max(best, Double(slice * threads * 4) / seconds / 1e9)
            }
        }
        return best
    }

    /// Sum of `count` floats (a multiple of 64) with four independent accumulators.
    private static func sum(_ p: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), d = SIMD16<Float>()
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i < count {
            a += raw.load(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            b += raw.load(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
            c += raw.load(fromByteOffset: i * 4 + 128, as: SIMD16<Float>.self)
            d += raw.load(fromByteOffset: i * 4 + 192, as: SIMD16<Float>.self)
            i += 64
        }
        return (a + b + c + d).sum()
    }
}
