import Foundation
import GPT2Generation
import Testing

struct TopKAndMinPFilterTests {
    /// k up to 256 uses the heap, larger k the quickselect; both must equal the naive sort.
    @Test(arguments: [1, 2, 40, 256, 257, 1000, 25_000, 50_256])
    func topK_matchesNaiveSort(k: Int) {
        for seed in UInt64(30)..<UInt64(33) {
            let logits = TestLogits.skewed(seed: seed, scale: 20)
            #expect(TestLogits.kept(logits, filters: [TopKFilter(k: k)]) == TestLogits.naiveTopK(logits, k: k))
        }
    }

    @Test func topK_keepsAllTiesAtBoundary() {
        let logits: [Float] = [1, 3, 2, 2, 0, 2]
        #expect(TestLogits.kept(logits, filters: [TopKFilter(k: 2)]) == [1, 2, 3, 5])
        // Many equal values also exercise the quickselect's three-way partition.
        var flat = [Float](repeating: 0.5, count: 5000)
        flat[17] = 1
        #expect(TestLogits.kept(flat, filters: [TopKFilter(k: 1000)]) == Array(0..<5000))
        #expect(TestLogits.kept(flat, filters: [TopKFilter(k: 1)]) == [17])
    }

    @Test func topK_ofZeroOrAtLeastVocabulary_keepsEverything() {
        let logits: [Float] = [1, 3, 2]
        #expect(TestLogits.kept(logits, filters: [TopKFilter(k: 0)]) == [0, 1, 2])
        #expect(TestLogits.kept(logits, filters: [TopKFilter(k: 3)]) == [0, 1, 2])
        #expect(TestLogits.kept(logits, filters: [TopKFilter(k: 99)]) == [0, 1, 2])
    }

    /// Probabilities relative to the top: 1, 0.5, 0.2, 0.05 (ids 2, 0, 3, 1).
    @Test(arguments: [(0.6, [2]), (0.5, [0, 2]), (0.1, [0, 2, 3]), (0.04, [0, 1, 2, 3]), (1, [2])] as [(Float, [Int])])
    func minP_keepsTokensAtLeastMinPTimesTheTop(minP: Float, expected: [Int]) {
        let logits = [0.5, 0.05, 1, 0.2].map { Float(log(Double($0))) + 3 }
        #expect(TestLogits.kept(logits, filters: [MinPFilter(minP: minP)]) == expected)
    }

    @Test func temperature_dividesLogitsAfterShiftingByTheMaximum() {
        var candidates = TokenCandidates()
        [Float(2), -1, 4].withUnsafeBufferPointer { candidates.load(logits: $0) }
        TemperatureScaling(temperature: 0.5).apply(to: &candidates)
        #expect(candidates.entries.map(\.logit) == [-4, -10, 0])
        #expect(candidates.entries.map(\.id) == [0, 1, 2])
    }
}
