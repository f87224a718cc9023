/// An open-addressing hash table from a pair of adjacent token ids to the merge that joins them.
///
/// Key: `left << 32 | right` (two 32-bit token ids). Value: `rank << 32 | mergedID`, so the
/// smaller value is always the merge with the lower rank (the one BPE applies first).
/// Linear probing over a power-of-two table at most half full.
struct MergeTable: Sendable {
    /// Marks an empty slot and "no merge" in lookups; no real key or value can equal it.
    static let none = UInt64.max

    /// Interleaved key, value pairs: `2 * capacity` words.
    private(set) var slots: [UInt64]
    /// `capacity - 1`.
    private(set) var mask: Int
    /// Number of merges stored.
    private(set) var count = 0

    init(minimumCapacity: Int) {
        var capacity = 16
        while capacity < 2 * minimumCapacity { capacity <<= 1 }
        slots = [UInt64](repeating: Self.none, count: 2 * capacity)
        mask = capacity - 1
    }

    @inline(__always)
    static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    @inline(__always)
    static func slot(of key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Stores `left right -> merged` with `rank`; a later insert of the same pair replaces the
    /// earlier one, as a Python dict built from the merges list does.
    mutating func insert(left: UInt32, right: UInt32, rank: UInt32, merged: UInt32) {
        let key = Self.key(left, right)
        let value = UInt64(rank) << 32 | UInt64(merged)
        var i = Self.slot(of: key, mask: mask)
        while true {
            let existing = slots[2 * i]
            if existing == key {
                slots[2 * i + 1] = value
                return
            }
            if existing == Self.none {
                slots[2 * i] = key
                slots[2 * i + 1] = value
                count += 1
                return
            }
            i = (i + 1) & mask
        }
    }

    /// `rank << 32 | mergedID` for the pair, or `MergeTable.none`.
    func lookup(_ left: UInt32, _ right: UInt32) -> UInt64 {
        slots.withUnsafeBufferPointer { MergeTable.lookup(left, right, in: $0.baseAddress!, mask: mask) }
    }

    /// The hot-path lookup on the raw slots.
    @inline(__always)
    static func lookup(_ left: UInt32, _ right: UInt32, in slots: UnsafePointer<UInt64>, mask: Int) -> UInt64 {
        let key = Self.key(left, right)
        var i = slot(of: key, mask: mask)
        while true {
            let existing = slots[2 * i]
            if existing == key { return slots[2 * i + 1] }
            if existing == none { return none }
            i = (i + 1) & mask
        }
    }
}
