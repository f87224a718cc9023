import Testing
@testable import GPT2Datasets

/// The compact table behind exact deduplication agrees with a `Set` of the same 48-bit keys
/// through many growths, including the key that maps onto the empty slot.
struct FingerprintTableTests {
    @Test func agreesWithASet_acrossGrowth() {
        var table = FingerprintTable()
        var reference = Set<UInt64>()
        var state: UInt64 = 0x1234_5678
        for i in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Every third value repeats an earlier one, as duplicates do.
            let value = i % 3 == 2 ? UInt64(i / 3) &* 0x9E37_79B9 : state
            let key = value & 0xFFFF_FFFF_FFFF
            let expected = reference.insert(key == 0 ? 1 : key).inserted
            #expect(table.insert(value) == expected)
        }
        #expect(table.count == reference.count)
        for probe in [UInt64(0), 1, 42, 0xFFFF_FFFF_FFFF, state] {
            let key = probe & 0xFFFF_FFFF_FFFF
            #expect(table.contains(probe) == reference.contains(key == 0 ? 1 : key))
        }
        // Only the low 48 bits count.
        #expect(table.contains(state | 0xFFFF_0000_0000_0000))
    }

    @Test func emptyTable_containsNothing() {
        let table = FingerprintTable()
        #expect(!table.contains(0) && !table.contains(7) && table.count == 0)
    }
}
