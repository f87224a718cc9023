/// A set of 48-bit fingerprints in 6 bytes each (a 16-bit and a 32-bit array), open addressing
/// with linear probing, grown by a quarter when 7/8 full: about 7.5 bytes per fingerprint where
/// a `Set<UInt64>` of the same values takes 10 to 16. One table per shard of `DuplicateFilter`,
/// whose shard already fixes the top 8 bits of each 64-bit hash, so 56 bits tell documents
/// apart (a false duplicate among 10 million documents has odds of about 1 in 1,500).
struct FingerprintTable: Sendable {
    private var high: [UInt16] = []
    private var low: [UInt32] = []
    private(set) var count = 0

    /// Inserts the low 48 bits of `value`; returns false when they were already present.
    @discardableResult
    mutating func insert(_ value: UInt64) -> Bool {
        let key = Self.key(value)
        if (count + 1) * 8 > high.count * 7 { grow() }
        var slot = Self.home(key, high.count)
        while true {
            let present = UInt64(high[slot]) << 32 | UInt64(low[slot])
            if present == 0 { break }
            if present == key { return false }
            slot = slot + 1 == high.count ? 0 : slot + 1
        }
        high[slot] = UInt16(truncatingIfNeeded: key >> 32)
        low[slot] = UInt32(truncatingIfNeeded: key)
        count += 1
        return true
    }

    func contains(_ value: UInt64) -> Bool {
        guard !high.isEmpty else { return false }
        let key = Self.key(value)
        var slot = Self.home(key, high.count)
        while true {
            let present = UInt64(high[slot]) << 32 | UInt64(low[slot])
            if present == 0 { return false }
            if present == key { return true }
            slot = slot + 1 == high.count ? 0 : slot + 1
        }
    }

    /// The stored form: the low 48 bits, with 0 (the empty slot) moved to 1.
    private static func key(_ value: UInt64) -> UInt64 {
        let key = value & 0xFFFF_FFFF_FFFF
        return key == 0 ? 1 : key
    }

    /// The first slot to try: the key mixed, then mapped onto `capacity` by multiply-shift.
    private static func home(_ key: UInt64, _ capacity: Int) -> Int {
        Int((key &* 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private mutating func grow() {
        let oldHigh = high, oldLow = low
        let capacity = max(16, high.count + high.count / 4)
        high = [UInt16](repeating: 0, count: capacity)
        low = [UInt32](repeating: 0, count: capacity)
        count = 0
        for slot in oldHigh.indices where oldHigh[slot] != 0 || oldLow[slot] != 0 {
            insert(UInt64(oldHigh[slot]) << 32 | UInt64(oldLow[slot]))
        }
    }
}
