import Foundation

/// A request that needs more memory than the machine has (see `MemoryBudget`).
public struct MemoryLimitError: Error, LocalizedError, Equatable {
    /// What needs the memory, e.g. "--batch 100000 (KV caches and logits of 100000 streams)".
    public let what: String
    /// Bytes needed; nil when the size does not even fit in a 64-bit count.
    public let bytes: Int?
    /// Bytes the machine (or its container) had available when checked.
    public let availableBytes: Int
    /// What the user can change.
    public let advice: String

    public var errorDescription: String? {
        let needed = bytes.map { "needs \(Self.describe($0)) of memory" } ?? "needs more memory than a 64-bit count holds"
        return "\(what) \(needed), more than the \(Self.describe(availableBytes)) this machine has available; \(advice)."
    }

    /// `1_500_000_000` -> "1.5 GB" (decimal units).
    static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
