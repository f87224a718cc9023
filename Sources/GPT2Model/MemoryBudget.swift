import Foundation

/// How much memory a command may plan to allocate: the memory the machine has available now
/// (`MemAvailable` of `/proc/meminfo` on Linux), never more than its physical memory
/// (`ProcessInfo.physicalMemory`) or the container's cgroup limit.
///
/// Sizes that come from the user (`--batch`, `--layers`, a `config.json`) are checked against
/// it before anything is allocated, so an impossible request fails at once with a sentence
/// instead of swapping until the kernel kills the process.
public enum MemoryBudget {
    /// Bytes this process can expect to allocate now (read on every call: it changes as other
    /// processes run).
    public static var availableBytes: Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        return [physical, cgroupLimit(), availableNow()].compactMap { $0 }.min()!
    }

    /// Throws `MemoryLimitError` unless `bytes` (nil: more than an `Int` holds) fit in
    /// `availableBytes`.
    /// - Parameters:
    ///   - what: what needs the memory, as the subject of a sentence ("--batch 100000").
    ///   - advice: what the user can change, as a clause ("use a smaller --batch").
    public static func require(_ bytes: Int?, for what: String, advice: String) throws(MemoryLimitError) {
        let available = availableBytes
        if let bytes, bytes <= available { return }
        throw MemoryLimitError(what: what, bytes: bytes, availableBytes: available, advice: advice)
    }

    /// The cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`) limit of this process's
    /// container, when one is set.
    private static func cgroupLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            if let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 { return limit }
        }
        return nil
    }

    /// `MemAvailable` of `/proc/meminfo` in bytes (free memory plus caches the kernel can drop),
    /// where the system has it.
    private static func availableNow() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes.multipliedReportingOverflow(by: 1024).overflow ? nil : kilobytes * 1024
        }
        return nil
    }
}
