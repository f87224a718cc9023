import Foundation
import GPT2Kernels
import GPT2Model
import Testing

/// The forward pass against Hugging Face transformers' outputs on small random GPT-2s.
/// Each test runs at every instruction-set level this CPU supports, with the weights in that
/// level's layouts, as a machine whose best level it is would load them.
@Suite struct ReferenceParityTests {
    let workspace = ForwardWorkspace(threads: 2)

    /// The fixture model `name` as it runs at `isa`.
    static func model(_ name: String, isa: LinearISA) throws -> GPT2Model {
        let loaded = try GPT2Model.load(directory: ReferenceFixture.folder(name))
        return GPT2Model(config: loaded.config, weights: try loaded.weights.inComputeLayout(isa: isa, config: loaded.config),
                         isa: isa)
    }

    @Test(arguments: ReferenceFixture.allNames, LinearISA.supported)
    func tokenLogprobs_matchTransformers(name: String, isa: LinearISA) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try Self.model(name, isa: isa)
        for item in fixture.cases + fixture.batch {
            let logits = try model.forward([.init(tokens: item.ids, cache: model.makeCache())], logits: .all, workspace: workspace)
            #expect(logits.rows == item.ids.count)
            var worst = 0.0
            for t in 1..<item.ids.count {
                let lp = logSoftmax(logits[t - 1])[item.ids[t]]
                worst = max(worst, abs(lp - item.token_logprobs[t]!))
            }
            #expect(worst <= fixture.tolerance, "\(name): log-prob difference \(worst) for a case of \(item.ids.count) tokens")
            // The last row's logits, where the reference stores them.
            let last = logits[item.ids.count - 1]
            for (id, value) in zip(item.last_top_logits.ids, item.last_top_logits.values) {
                #expect(abs(Double(last[id] - value)) <= fixture.tolerance * 10, "\(name): logit of \(id)")
            }
            if let full = item.last_logits {
                let diff = zip(last, full).map { abs(Double($0 - $1)) }.max()!
                #expect(diff <= fixture.tolerance * 10, "\(name): last logits differ by \(diff)")
            }
            // Argmax wherever the reference's top two are clearly apart.
            for t in 0..<item.ids.count where item.argmax_gaps[t] > 1e-2 {
                let row = logits[t]
                #expect(row.indices.max(by: { row[$0] < row[$1] }) == item.argmax[t])
            }
        }
    }

    @Test(arguments: ReferenceFixture.allNames, LinearISA.supported)
    func greedyContinuation_matchesTransformers(name: String, isa: LinearISA) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try Self.model(name, isa: isa)
        let cache = model.makeCache()
        var logits = try model.forward([.init(tokens: fixture.greedy.prompt_ids, cache: cache)], workspace: workspace)
        var generated: [Int] = []
        while generated.count < fixture.greedy.max_new_tokens {
            let row = logits[0]
            let next = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) })!
            generated.append(next)
            logits = try model.forward([.init(tokens: [next], cache: cache)], workspace: workspace)
        }
        #expect(generated == fixture.greedy.ids)
    }

    /// The KV cache: feeding a case token by token gives the same log-probs as one pass.
    @Test(arguments: ["odd-f32", "full-vocab-f16", "odd-bf16"], LinearISA.supported)
    func incrementalDecoding_matchesOnePass(name: String, isa: LinearISA) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try Self.model(name, isa: isa)
        let item = fixture.cases.max(by: { $0.ids.count < $1.ids.count })!
        let cache = model.makeCache()
        let split = item.ids.count / 3
        var logits = try model.forward([.init(tokens: Array(item.ids[..<split]), cache: cache)], workspace: workspace)
        var worst = 0.0
        for t in split..<item.ids.count {
            let lp = logSoftmax(logits[0])[item.ids[t]]
            worst = max(worst, abs(lp - item.token_logprobs[t]!))
            if t + 1 < item.ids.count || cache.count < cache.capacity {
                logits = try model.forward([.init(tokens: [item.ids[t]], cache: cache)], workspace: workspace)
            }
        }
        #expect(cache.count == item.ids.count)
        #expect(worst <= fixture.tolerance, "\(name): incremental log-prob difference \(worst)")
    }

    /// Several sequences in one pass, each at its own position, equal the references computed alone.
    @Test(arguments: ["odd-f32", "full-vocab-f32", "sharded"], LinearISA.supported)
    func batchedSequences_matchSeparateRuns(name: String, isa: LinearISA) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try Self.model(name, isa: isa)
        // Prefill different lengths first, so the batched step starts each sequence elsewhere.
        let caches = fixture.batch.map { _ in model.makeCache() }
        for (i, item) in fixture.batch.enumerated() where item.ids.count > 1 {
            _ = try model.forward([.init(tokens: Array(item.ids[..<(item.ids.count / 2 + i % 2)]), cache: caches[i])],
                                  logits: .none, workspace: workspace)
        }
        let inputs = zip(fixture.batch, caches).map { item, cache in
            GPT2Model.SequenceInput(tokens: Array(item.ids[cache.count...]), cache: cache)
        }
        let logits = try model.forward(inputs, logits: .all, workspace: workspace)
        var row = 0
        for (item, input) in zip(fixture.batch, inputs) {
            let first = item.ids.count - input.tokens.count
            for t in first..<item.ids.count {
                if t + 1 < item.ids.count {
                    let lp = logSoftmax(logits[row])[item.ids[t + 1]]
                    #expect(abs(lp - item.token_logprobs[t + 1]!) <= fixture.tolerance)
                }
                row += 1
            }
        }
        #expect(row == logits.rows)
        // `.last` gives one row per sequence, equal to the `.all` row of its last token.
        for (i, item) in fixture.batch.enumerated() { caches[i].truncate(to: item.ids.count - 1) }
        let last = try model.forward(zip(fixture.batch, caches).map { .init(tokens: [$0.ids.last!], cache: $1) },
                                     logits: .last, workspace: workspace)
        for (i, item) in fixture.batch.enumerated() {
            let top = item.last_top_logits
            #expect(abs(Double(last[i][top.ids[0]] - top.values[0])) <= fixture.tolerance * 10)
        }
    }
}
