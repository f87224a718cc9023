import Foundation

/// A per-call cache from a piece's bytes to the ids BPE gave it earlier in the same text.
///
/// Keys are byte ranges of the input being encoded and values are ranges of the output already
/// written, so nothing is copied on insert. Open addressing with linear probing; the table
/// doubles while it stays at most half full, up to `maximumCapacity` slots, then stops taking
/// new pieces. It belongs to one `encode` call, so it needs no locking.
final class PieceCache {
    private struct Slot {
        var hash: UInt64
        /// Piece length in bytes; 0 marks an empty slot.
        var length: Int
        var inputStart: Int
        var outputStart: Int
        var outputCount: Int
    }

    static let maximumCapacity = 1 << 20

    private var slots: UnsafeMutablePointer<Slot>
    private var capacity: Int
    private var count = 0

    /// A cache sized for about `expectedPieces` distinct pieces.
    init(expectedPieces: Int) {
        var capacity = 64
        while capacity < 2 * expectedPieces && capacity < Self.maximumCapacity { capacity <<= 1 }
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, length: 0, inputStart: 0, outputStart: 0, outputCount: 0), count: capacity)
    }

    deinit { slots.deallocate() }

    /// A 64-bit hash of `count` bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        let raw = UnsafeRawPointer(bytes)
        while i + 8 <= count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// The output range cached for the piece `input[start..<start + length]`, if any.
    @inline(__always)
    func find(hash: UInt64, input: UnsafePointer<UInt8>, start: Int, length: Int) -> (start: Int, count: Int)? {
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: hash >> 32) & mask
        while true {
            let slot = slots[i]
            if slot.length == 0 { return nil }
            if slot.hash == hash && slot.length == length
                && memcmp(input + slot.inputStart, input + start, length) == 0
            {
                return (slot.outputStart, slot.outputCount)
            }
            i = (i + 1) & mask
        }
    }

    /// Records that the piece at `start` (not yet cached) encoded to `output[outputStart..<+outputCount]`.
    func insert(hash: UInt64, start: Int, length: Int, outputStart: Int, outputCount: Int) {
        if 2 * (count + 1) > capacity {
            guard capacity < Self.maximumCapacity else { return }
            grow()
        }
        place(Slot(hash: hash, length: length, inputStart: start,
                   outputStart: outputStart, outputCount: outputCount))
        count += 1
    }

    private func place(_ slot: Slot) {
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: slot.hash >> 32) & mask
        while slots[i].length != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private func grow() {
        let old = slots
        let oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, length: 0, inputStart: 0, outputStart: 0, outputCount: 0), count: capacity)
        for i in 0..<oldCapacity where old[i].length != 0 { place(old[i]) }
        old.deallocate()
    }
}
