import Foundation
import GPT2Generation
import Testing

/// Empirical frequencies of the chain's draws against the exact distribution.
///
/// Tolerance: with N draws the count of a token of probability p is Binomial(N, p), standard
/// deviation sigma = sqrt(p (1 - p) / N) in frequency. Each frequency must lie within 5 sigma
/// (a correct sampler misses that with probability ~6e-7 per token), and Pearson's chi-square
/// over all tokens must stay below the 1e-6 upper quantile for its degrees of freedom. The seeds
/// are fixed, so the test is deterministic; with N = 200,000 a sampler that is off by ~1.5% of
/// a 0.3 probability fails.
struct SamplingDistributionTests {
    static let n = 200_000
    static let logits: [Float] = [2.0, 1.0, 0.5, 0.0, -1.0, -3.0, 1.5, -0.25]

    /// Draw frequencies of `parameters` on `logits`.
    static func frequencies(_ parameters: GenerateParameters, _ logits: [Float]) -> [Double] {
        var chain = SamplerChain(parameters: parameters, endOfTextID: 99)
        var counts = [Int](repeating: 0, count: logits.count)
        var buffer = logits
        for _ in 0..<n {
            for i in logits.indices { buffer[i] = logits[i] }
            counts[chain.sample(logits: &buffer, promptTokens: [], generatedTokens: [])] += 1
        }
        return counts.map { Double($0) / Double(n) }
    }

    /// Chi-square 1e-6 upper quantiles by degrees of freedom (R: qchisq(1 - 1e-6, df)).
    static let chiSquareLimit: [Int: Double] = [1: 23.93, 2: 27.63, 3: 30.66, 4: 33.38, 5: 35.89, 7: 40.52]

    static func expectMatches(_ observed: [Double], _ expected: [Double], _ comment: Comment) {
        var chiSquare = 0.0
        var support = 0
        for (o, e) in zip(observed, expected) {
            if e == 0 {
                #expect(o == 0, comment)
                continue
            }
            support += 1
            let sigma = (e * (1 - e) / Double(n)).squareRoot()
            #expect(abs(o - e) <= 5 * sigma, "\(comment): frequency \(o) vs probability \(e)")
            chiSquare += Double(n) * (o - e) * (o - e) / e
        }
        if let limit = chiSquareLimit[support - 1] {
            #expect(chiSquare < limit, "\(comment): chi-square \(chiSquare)")
        }
    }

    @Test func frequencies_matchSoftmax() {
        let observed = Self.frequencies(GenerateParameters(seed: 2024), Self.logits)
        Self.expectMatches(observed, TestLogits.softmax(Self.logits), "T = 1")
    }

    @Test func frequencies_matchSoftmaxOfLogitsOverTemperature() {
        let observed = Self.frequencies(GenerateParameters(temperature: 0.5, seed: 77), Self.logits)
        Self.expectMatches(observed, TestLogits.softmax(Self.logits.map { $0 / 0.5 }), "T = 0.5")
    }

    /// Top-k 3 keeps ids 0, 6, 1 (logits 2, 1.5, 1); the draw follows their renormalized softmax.
    @Test func frequencies_matchRenormalizedTopK() {
        let observed = Self.frequencies(GenerateParameters(topK: 3, seed: 5), Self.logits)
        let p = TestLogits.softmax(Self.logits)
        let kept: Set = [0, 6, 1]
        let mass = kept.map { p[$0] }.reduce(0, +)
        Self.expectMatches(observed, p.indices.map { kept.contains($0) ? p[$0] / mass : 0 }, "top-k 3")
    }

    /// Top-p 0.8: probabilities in rank order are 0.401, 0.243, 0.148, 0.089, 0.054, ... (ids 0,
    /// 6, 1, 2, 3, ...); the mass above id 2 is 0.791 < 0.8, above id 3 it is 0.881: ids 0, 6,
    /// 1, 2 are kept.
    @Test func frequencies_matchRenormalizedTopP() {
        let observed = Self.frequencies(GenerateParameters(topP: 0.8, seed: 6), Self.logits)
        let p = TestLogits.softmax(Self.logits)
        let kept = Set(TestLogits.naiveTopP(Self.logits, p: 0.8))
        #expect(kept == [0, 6, 1, 2])
        let mass = kept.map { p[$0] }.reduce(0, +)
        Self.expectMatches(observed, p.indices.map { kept.contains($0) ? p[$0] / mass : 0 }, "top-p 0.8")
    }
}
