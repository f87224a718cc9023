import GPT2Generation
import Testing

// Expected values from a straight Python transcription of the reference C code
// (splitmix64.c and xoshiro256starstar.c by Vigna); SplitMix64(0)'s outputs are also the
// published ones.
struct Xoshiro256StarStarTests {
    @Test func splitMix64_matchesReferenceOutputs() {
        var g = SplitMix64(seed: 0)
        #expect((0..<4).map { _ in g.next() } == [
            0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC,
        ])
    }

    @Test(arguments: [
        (UInt64(0), [UInt64(0x99EC_5F36_CB75_F2B4), 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0,
                     0x6AA5_94F1_262D_2D2C, 0xBBA5_AD4A_1F84_2E59]),
        (UInt64(42), [UInt64(0x1578_0B2E_0C2E_C716), 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
                      0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64]),
        (UInt64.max, [UInt64(0x8F55_20D5_2A7E_AD08), 0xC476_A018_CAA1_802D, 0x81DE_31C0_D260_469E,
                      0xBF65_8D7E_065F_3C2F, 0x9135_93FD_A1BC_A32A]),
    ])
    func xoshiro_matchesReferenceOutputs(seed: UInt64, expected: [UInt64]) {
        var g = Xoshiro256StarStar(seed: seed)
        #expect((0..<5).map { _ in g.next() } == expected)
    }

    @Test func nextFloat_usesTop24Bits_andNextDouble_top53() {
        var g = Xoshiro256StarStar(seed: 42)
        var h = Xoshiro256StarStar(seed: 42)
        for _ in 0..<1000 {
            let bits = h.next()
            let f = g.nextFloat()
            #expect(f == Float(bits >> 40) / 16_777_216)
            #expect(f >= 0 && f < 1)
        }
        var d = Xoshiro256StarStar(seed: 42)
        #expect(d.nextDouble() == 0.08386297105988216)
        #expect(d.nextDouble() == 0.3789802506626686)
    }

    @Test func sameSeed_sameSequence_differentSeed_differentSequence() {
        var a = Xoshiro256StarStar(seed: 7)
        var b = Xoshiro256StarStar(seed: 7)
        var c = Xoshiro256StarStar(seed: 8)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        let sc = (0..<100).map { _ in c.next() }
        #expect(zip(sa, sc).filter { $0 == $1 }.isEmpty)
    }
}
