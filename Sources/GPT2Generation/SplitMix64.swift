/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny 64-bit generator, used here to expand one
/// 64-bit seed into the 256-bit state of ``Xoshiro256StarStar``, as that generator's authors
/// recommend. Deterministic on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The 64-bit state; it advances by the golden-ratio increment on every draw.
    public private(set) var state: UInt64

    /// Creates the generator; every seed, zero included, is valid.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
