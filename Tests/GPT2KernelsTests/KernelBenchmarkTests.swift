import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Not a check: prints kernel throughput when `GPT2_KERNEL_BENCH=1` is set, e.g.
/// `GPT2_KERNEL_BENCH=1 swift test -c release --filter KernelBenchmarkTests`.
struct KernelBenchmarkTests {
    @Test(.enabled(if: getenv("GPT2_KERNEL_BENCH") != nil, "set GPT2_KERNEL_BENCH=1 to run the kernel benchmark"))
    func printKernelThroughput() {
        for threads in [1, 2] { print(KernelBenchmark.readBandwidth(threads: threads)) }
        for threads in [1, 2] { print(KernelBenchmark.otherKernels(threads: threads)) }
        print(KernelBenchmark.run())
        for threads in [1, 2] {
            for tokens in [1, 8] { print(KernelBenchmark.decodeStep(tokens: tokens, threads: threads)) }
        }
    }
}
