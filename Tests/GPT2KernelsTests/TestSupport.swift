import GPT2Kernels
import Testing

/// SplitMix64: a small seedable generator so every test sees the same numbers on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` floats uniform in `range`.
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// Checks `|actual - expected| <= relative * |scale| + absolute` element by element (`scale`
/// defaults to `expected`) and reports the first few failures with their index.
func expectClose(_ actual: [Float], _ expected: [Float], relative: Float, absolute: Float,
                 scale: [Float]? = nil, _ context: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(context): count", sourceLocation: sourceLocation)
    var failures = 0
    for i in 0..<min(actual.count, expected.count) {
        let magnitude = abs(scale?[i] ?? expected[i])
        let bound = relative * magnitude + absolute
        let ok = actual[i] == expected[i] || abs(actual[i] - expected[i]) <= bound
            || (actual[i].isNaN && expected[i].isNaN)
        if !ok {
            failures += 1
            if failures <= 5 {
                Issue.record("\(context): element \(i) is \(actual[i]), expected \(expected[i]) (bound \(bound))",
                             sourceLocation: sourceLocation)
            }
        }
    }
}

/// No pool, and pools of 1, 2 and 3 threads (3 is more threads than the 2-core machine has:
/// results must not depend on it).
func testPools() -> [ThreadPool?] {
    [nil, ThreadPool(threadCount: 1), ThreadPool(threadCount: 2), ThreadPool(threadCount: 3)]
}
