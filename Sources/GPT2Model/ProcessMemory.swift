import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's own memory, for the benchmarks.
public enum ProcessMemory {
    /// The peak resident set size so far (`getrusage`'s `ru_maxrss`, the kernel's VmHWM), in
    /// MB of 10^6 bytes, as the peers' scripts report it (Scripts/peers/common.py).
    public static func peakResidentMB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024 / 1e6  // KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1e6  // bytes on Darwin
        #endif
    }
}
