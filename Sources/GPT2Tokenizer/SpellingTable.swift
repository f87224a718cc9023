import Foundation

/// A hash table from a token's spelling (the UTF-8 bytes of its vocabulary key) to its id.
///
/// Keys are compared as bytes, not as Swift `String`s: two keys that are canonically
/// equivalent Unicode (say a precomposed "é" and "e" + U+0301 in added tokens) stay distinct,
/// as in Python dicts, and lookups need no Unicode normalization. Inserting a key again
/// replaces its id (the last one wins, as in JSON objects read by Python).
struct SpellingTable {
    /// All keys' bytes back to back, after one padding byte (so the buffer is never empty).
    private(set) var arena: [UInt8] = [0]
    /// Per slot: `start << 32 | length` into `arena`, or `empty`.
    private var keys: [UInt64]
    private var ids: [Int]
    private var mask: Int
    private(set) var count = 0

    private static let empty = UInt64.max

    init(minimumCapacity: Int = 64) {
        var capacity = 64
        while capacity < 2 * minimumCapacity { capacity <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: capacity)
        ids = [Int](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// Every (spelling, id) pair, in no particular order.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) rethrows {
        try arena.withUnsafeBufferPointer { arena in
            for slot in 0..<keys.count where keys[slot] != Self.empty {
                let start = Int(keys[slot] >> 32)
                let length = Int(keys[slot] & 0xFFFF_FFFF)
                try body(UnsafeBufferPointer(rebasing: arena[start..<start + length]), ids[slot])
            }
        }
    }

    mutating func insert(_ spelling: UnsafeBufferPointer<UInt8>, id: Int) {
        if 2 * (count + 1) > keys.count { grow() }
        let hash = PieceCache.hash(spelling.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: spelling.count)
        if let slot = find(spelling, hash: hash) {
            ids[slot] = id
            return
        }
        let start = arena.count
        arena.append(contentsOf: spelling)
        place(key: UInt64(start) << 32 | UInt64(spelling.count), id: id, hash: hash)
        count += 1
    }

    mutating func insert(_ spelling: String, id: Int) {
        var spelling = spelling
        spelling.withUTF8 { insert($0, id: id) }
    }

    func id(of spelling: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = PieceCache.hash(spelling.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: spelling.count)
        return find(spelling, hash: hash).map { ids[$0] }
    }

    func id(of spelling: String) -> Int? {
        var spelling = spelling
        return spelling.withUTF8 { id(of: $0) }
    }

    private func find(_ spelling: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash >> 32) & mask
        return arena.withUnsafeBufferPointer { arena in
            while true {
                let key = keys[slot]
                if key == Self.empty { return nil }
                let length = Int(key & 0xFFFF_FFFF)
                if length == spelling.count {
                    let start = Int(key >> 32)
                    if length == 0 || memcmp(arena.baseAddress! + start, spelling.baseAddress!, length) == 0 {
                        return slot
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func place(key: UInt64, id: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash >> 32) & mask
        while keys[slot] != Self.empty { slot = (slot + 1) & mask }
        keys[slot] = key
        ids[slot] = id
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldIDs = ids
        keys = [UInt64](repeating: Self.empty, count: oldKeys.count * 2)
        ids = [Int](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        arena.withUnsafeBufferPointer { arena in
            for slot in 0..<oldKeys.count where oldKeys[slot] != Self.empty {
                let start = Int(oldKeys[slot] >> 32)
                let length = Int(oldKeys[slot] & 0xFFFF_FFFF)
                let hash = PieceCache.hash(arena.baseAddress! + start, count: length)
                var newSlot = Int(truncatingIfNeeded: hash >> 32) & mask
                while keys[newSlot] != Self.empty { newSlot = (newSlot + 1) & mask }
                keys[newSlot] = oldKeys[slot]
                ids[newSlot] = oldIDs[slot]
            }
        }
    }
}
