import Foundation
import GPT2Kernels
import GPT2Model
import Testing

/// The quality targets on a *trained* model: `Tests/Fixtures/models/trained-bytes`, a
/// byte-level GPT-2 (vocab 256, n_embd 192, 4 layers, 4 heads, fp16 weights) trained by
/// Scripts/make-trained-fixture.py on Debian's license texts, scored on a held-out one
/// (Apache-2.0). Our fp32 perplexity must equal transformers'; int8 must stay within 1% of it
/// and q4 within 5%.
@Suite struct TrainedModelQualityTests {
    /// `trained-bytes/eval.json`: the held-out windows and what transformers computes on them.
    struct Evaluation: Decodable {
        struct Sequence: Decodable {
            let ids: [Int]
            /// Mean over positions 1..<n of -log p(ids[i] | ids[..<i]), nats.
            let mean_nll: Double
        }
        let magic: String
        let version: Int
        let weights_dtype: String
        let mean_nll: Double
        let perplexity: Double
        let sequences: [Sequence]

        static let name = "trained-bytes"

        static func load() throws -> Evaluation {
            let url = ReferenceFixture.folder(name).appendingPathComponent("eval.json")
            let evaluation = try JSONDecoder().decode(Evaluation.self, from: Data(contentsOf: url))
            guard evaluation.magic == "gpt2-trained-eval", evaluation.version == 1 else {
                throw ReferenceFixture.FixtureError.stale(
                    "\(name)/eval.json has magic \(evaluation.magic) v\(evaluation.version); rerun Scripts/make-fixtures.sh")
            }
            return evaluation
        }
    }

    let workspace = ForwardWorkspace(threads: 2)

    /// Per-sequence mean negative log-likelihood (nats) through `tokenLogProbabilities`; every
    /// fixture sequence is exactly one context window long, so each is one forward pass.
    func meanNLLs(_ model: GPT2Model, _ evaluation: Evaluation) throws -> [Double] {
        try evaluation.sequences.map { sequence in
            let logProbabilities = try model.tokenLogProbabilities(sequence.ids, workspace: workspace).compactMap { $0 }
            #expect(logProbabilities.count == sequence.ids.count - 1)
            return -logProbabilities.reduce(0, +) / Double(logProbabilities.count)
        }
    }

    /// exp of the mean of the sequences' mean NLLs (they all have the same length).
    func perplexity(_ nlls: [Double]) -> Double { exp(nlls.reduce(0, +) / Double(nlls.count)) }

    @Test func fixture_isATrainedModel_withALongHeldOutText() throws {
        let evaluation = try Evaluation.load()
        let model = try GPT2Model.load(directory: ReferenceFixture.folder(Evaluation.name))
        #expect(evaluation.weights_dtype == "float16")
        #expect(model.weights.layers[0].attention.format == .f16)
        #expect(evaluation.sequences.count * (model.config.contextLength - 1) >= 4000)
        #expect(evaluation.sequences.allSatisfy { $0.ids.count == model.config.contextLength })
        // A uniform guess over 256 bytes has perplexity 256 (ln 256 = 5.55 nats); a trained
        // model predicts English far better.
        #expect(evaluation.perplexity < 12, "reference perplexity \(evaluation.perplexity)")
        #expect(abs(log(evaluation.perplexity) - evaluation.mean_nll) < 1e-12)
    }

    /// Our fp32 compute of the stored fp16 weights equals transformers' on every window.
    @Test func fp32Perplexity_matchesTransformers() throws {
        let evaluation = try Evaluation.load()
        let model = try GPT2Model.load(directory: ReferenceFixture.folder(Evaluation.name))
        let nlls = try meanNLLs(model, evaluation)
        for (index, (ours, sequence)) in zip(nlls, evaluation.sequences).enumerated() {
            #expect(abs(ours - sequence.mean_nll) < 1e-5, "sequence \(index): \(ours) vs \(sequence.mean_nll) nats")
        }
        let ours = perplexity(nlls)
        #expect(abs(ours / evaluation.perplexity - 1) < 1e-5, "perplexity \(ours) vs \(evaluation.perplexity)")
    }

    /// The targets: int8 perplexity within 1% of fp32, q4 within 5%.
    @Test(arguments: [(WeightMatrix.Format.int8, 0.01), (.q4, 0.05)])
    func quantizedPerplexity_meetsTheTarget(format: WeightMatrix.Format, limit: Double) throws {
        let evaluation = try Evaluation.load()
        let source = try GPT2Model.load(directory: ReferenceFixture.folder(Evaluation.name))
        let weights = try source.weights.converted(to: format, config: source.config, quantize: Quantizer.quantize)
        #expect(weights.layers[0].attention.format == format && weights.lmHead.format == format)
        let model = GPT2Model(config: source.config, weights: weights)
        let ratio = perplexity(try meanNLLs(model, evaluation)) / evaluation.perplexity
        #expect(abs(ratio - 1) <= limit, "\(format): perplexity ratio \(ratio) against fp32 \(evaluation.perplexity)")
    }
}
