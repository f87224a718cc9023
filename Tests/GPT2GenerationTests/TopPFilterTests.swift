import Foundation
import GPT2Generation
import Testing

/// Top-p against Hugging Face's `TopPLogitsWarper` (transformers 5.23, float32) and a naive
/// full-sort reference.
///
/// The fixture sets were computed by running the HF warpers in order (temperature, top-k, top-p,
/// min-p) on `TestLogits.skewed(seed:scale:)` reproduced in NumPy:
/// ```python
/// u = np.array([xoshiro_next() >> 40 for _ in range(50257)], dtype=np.float32) * np.float32(2**-24)
/// x = torch.tensor(u * u * u * np.float32(scale))[None]
/// for w in warpers: x = w(None, x)
/// kept = torch.nonzero(torch.isfinite(x[0])).flatten().tolist()   # -> (len, sum, sum of squares)
/// ```
struct TopPFilterTests {
    /// (seed, scale, temperature, topK, topP, minP, HF fingerprint of the kept set).
    static let huggingFaceCases: [(UInt64, Float, Float, Int, Float, Float, [Int])] = [
        (1, 20, 1.0, 0, 0.9, 0, [2037, 51_425_330, 1_723_598_447_754]),
        (2, 20, 0.7, 0, 0.5, 0, [407, 10_279_930, 348_328_509_982]),
        (3, 20, 1.3, 50, 0.95, 0, [48, 1_125_298, 35_992_146_086]),
        (4, 30, 1.0, 0, 1.0, 0.05, [1875, 47_299_444, 1_574_198_555_588]),
        (5, 20, 1.0, 1000, 0.8, 0, [682, 17_231_287, 575_818_223_479]),
        (6, 12, 1.0, 0, 0.99, 0, [8275, 209_030_012, 7_005_983_635_438]),
        (7, 25, 0.9, 0, 0.9, 0.01, [1520, 37_801_993, 1_254_674_546_961]),
    ]

    @Test(arguments: 0..<huggingFaceCases.count)
    func warpers_keepExactlyTheHuggingFaceSet_onGPT2SizedVocabulary(index: Int) {
        let (seed, scale, temperature, k, p, minP, expected) = Self.huggingFaceCases[index]
        let logits = TestLogits.skewed(seed: seed, scale: scale)
        let kept = TestLogits.kept(logits, filters: [
            TemperatureScaling(temperature: temperature), TopKFilter(k: k), TopPFilter(p: p), MinPFilter(minP: minP),
        ])
        #expect(TestLogits.fingerprint(kept) == expected)
    }

    @Test func fixtureLogits_matchTheValuesNumPyComputed() {
        #expect(Array(TestLogits.skewed(seed: 1, count: 3, scale: 20)) == [6.946260452270508, 2.819249153137207, 3.7844738960266113])
        #expect(Array(TestLogits.skewed(seed: 7, count: 3, scale: 25)) == [8.596200942993164, 0.5414897799491882, 14.797893524169922])
    }

    /// Probabilities 0.25, 0.5, 0.1, 0.15 at ids 0...3; HF keeps [1], [0, 1], [0, 1, 3], all.
    @Test(arguments: [(0.3, [1]), (0.6, [0, 1]), (0.8, [0, 1, 3]), (0.95, [0, 1, 2, 3])] as [(Float, [Int])])
    func topP_keepsSmallestSetAboveThreshold(p: Float, expected: [Int]) {
        let logits = [0.25, 0.5, 0.1, 0.15].map { Float(log($0)) }
        #expect(TestLogits.kept(logits, filters: [TopPFilter(p: p)]) == expected)
    }

    @Test func topP_alwaysKeepsAtLeastTheTopToken() {
        let logits: [Float] = [0, 12, 1, 2]  // token 1 holds ~99.99% of the mass
        #expect(TestLogits.kept(logits, filters: [TopPFilter(p: 0.01)]) == [1])
        #expect(TestLogits.kept(logits, filters: [TopPFilter(p: 0.9)]) == [1])
    }

    @Test func topP_ofOne_keepsEverything() {
        let logits = TestLogits.skewed(seed: 11, count: 1000, scale: 20)
        #expect(TestLogits.kept(logits, filters: [TopPFilter(p: 1)]) == Array(0..<1000))
    }

    /// HF's choice among equal logits is unspecified (`torch.sort` is unstable; it kept [2, 3]
    /// here); ours keeps the lower ids, like greedy decoding.
    @Test func topP_amongTiedLogits_keepsLowerIDs() {
        #expect(TestLogits.kept([0, 0, 0, 0], filters: [TopPFilter(p: 0.5)]) == [0, 1])
        #expect(TestLogits.kept([0, 0, 0, 0], filters: [TopPFilter(p: 0.6)]) == [0, 1, 2])
    }

    @Test func topP_ignoresBannedTokens() {
        let logits: [Float] = [1, -.infinity, 1, .nan, 0.5]
        #expect(TestLogits.kept(logits, filters: [TopPFilter(p: 0.999)]) == [0, 2, 4])
    }

    /// The threshold search on an unsorted vocabulary and the walk on a sorted one (after top-k)
    /// both give the naive full-sort answer.
    @Test(arguments: [Float(0.05), 0.3, 0.7, 0.9, 0.95, 0.999])
    func topP_matchesNaiveFullSort(p: Float) {
        for seed in UInt64(20)..<UInt64(24) {
            let logits = TestLogits.skewed(seed: seed, scale: 4 + Float(seed % 3) * 8)
            let expected = TestLogits.naiveTopP(logits, p: Double(p))
            #expect(TestLogits.kept(logits, filters: [TopPFilter(p: p)]) == expected)
            let sorted = TestLogits.kept(logits, filters: [TopKFilter(k: 3000), TopPFilter(p: p)])
            let topK = TestLogits.naiveTopK(logits, k: 3000)
            let expectedAfterTopK = TestLogits.naiveTopP(topK.map { logits[$0] }, p: Double(p)).map { topK[$0] }
            #expect(sorted == expectedAfterTopK)
        }
    }
}
