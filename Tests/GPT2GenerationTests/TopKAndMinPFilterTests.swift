import Foundation
import GPT2Generation
import Testing

struct TopKAndMinPFilterTests {
    /// k up to 512 uses the heap, larger k the radix selection; both must equal the naive sort.
    @Test(arguments: [1, 2, 40, 512, 513, 1000, 25_000, 50_256])
    func topK_matchesNaiveSort(k: Int) {
        for seed in UInt64(30)..<UInt64(33) {
            let logits = TestLogits.skewed(seed: seed, scale: 20)
            #expect(TestLogits.kept(logits, filters: [TopKFilter(k: k)]) == TestLogits.naiveTopK(logits, k: k))
        }
    }

    @Test func topK_keepsAllTiesAtBoundary() {
        let logits: [Float] = [1, 3, 2, 2, 0, 2]
        #expect(TestLogits.kept(logits, filters: [TopKFilter(k: 2)]) == [1, 2, 3, 5])
        // Many equal values: the radix selection's buckets hold thousands of equal keys.
        var flat = [Float](repeating: 0.5, count: 5000)
        flat[17] = 1
        #expect(TestLogits.kept(flat, filters: [TopKFilter(k: 1000)]) == Array(0..<5000))
        #expect(TestLogits.kept(flat, filters: [TopKFilter(k: 1)]) == [17])
    }

    /// Negative logits, -0 and +0 (equal), and -inf (banned) in both selection paths.
    @Test(arguments: [3, 600])
    func topK_ordersNegativeLogitsZerosAndInfinities(k: Int) {
        var logits = [Float](repeating: -.infinity, count: 2000)
        for i in 0..<700 { logits[i * 2] = -Float(i) / 8 }  // 0, -0.125, ..., -87.375
        logits[1] = -0.0
        logits[3] = .nan  // loaded as -inf
        let kept = TestLogits.kept(logits, filters: [TopKFilter(k: k)])
        #expect(kept == TestLogits.naiveTopK(logits.map { $0.isNaN ? -.infinity : $0 }, k: k))
        #expect(kept.prefix(3) == [0, 1, 2])
    }

    @Test func sort_putsCandidatesInRankOrder_lowerIDFirstOnTies() {
        var candidates = TokenCandidates()
        [Float(1), 3, -2, 3, -0.0, 0, .nan].withUnsafeBufferPointer { candidates.load(logits: $0) }
        candidates.sort()
        #expect(candidates.ids == [1, 3, 0, 4, 5, 2, 6])
        #expect(candidates.logits == [3, 3, 1, 0, 0, -2, -.infinity])
        #expect(candidates.isSorted)
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
        #expect(candidates.logits == [-4, -10, 0])
        #expect(candidates.ids == [0, 1, 2])
    }
}
