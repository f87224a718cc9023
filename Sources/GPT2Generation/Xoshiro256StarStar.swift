/// xoshiro256** 1.0 (Blackman and Vigna, 2018): the seedable generator behind every random choice
/// in generation, so one seed gives one text on every platform.
///
/// The 256-bit state is filled from the seed by four draws of ``SplitMix64``, which never yields
/// the all-zero state xoshiro must avoid. Period 2^256 - 1; passes BigCrush.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates the generator from a 64-bit seed (any value, zero included).
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform `Float` in `[0, 1)`: the top 24 bits of ``next()`` times 2^-24, so every value is
    /// a multiple of 2^-24 and the result is the same on every platform.
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in `[0, 1)`: the top 53 bits of ``next()`` times 2^-53.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 &- k))
    }
}
