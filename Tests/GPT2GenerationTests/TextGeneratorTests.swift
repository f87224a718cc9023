import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer
import Testing

/// The generation loop on a small random GPT-2 with the real GPT-2 vocabulary, whose greedy
/// continuation Hugging Face transformers computed (Tests/Fixtures/models/full-vocab-f32).
@Suite struct TextGeneratorTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/full-vocab-f32")
    let generator: TextGenerator

    init() throws {
        let model = try GPT2Model.load(directory: Self.folder)
        generator = TextGenerator(model: model, tokenizer: try BPETokenizer(directory: Self.folder), threads: 2)
    }

    struct Reference: Decodable {
        struct Greedy: Decodable { let prompt_text: String; let prompt_ids: [Int]; let ids: [Int] }
        let greedy: Greedy
    }

    func greedy(_ maxTokens: Int, minTokens: Int = 1, stop: [String] = [], bias: [Int: Float] = [:], ignoreEOS: Bool = false) -> GenerateParameters {
        var p = GenerateParameters()
        p.temperature = 0
        p.maxTokens = maxTokens
        p.minTokens = minTokens
        p.stop = stop
        p.logitBias = bias
        p.ignoreEOS = ignoreEOS
        return p
    }

    @Test func greedy_equalsTransformers_andStreamEqualsResult() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.folder.appendingPathComponent("reference.json"))).greedy
        #expect(generator.promptTokens(reference.prompt_text) == reference.prompt_ids)
        var streamed = ""
        let result = try generator.generate(prompt: reference.prompt_text, parameters: greedy(reference.ids.count, ignoreEOS: true)) {
            streamed += $0.text
            return true
        }
        #expect(result.ids == reference.ids)
        #expect(result.text == generator.tokenizer.decode(reference.ids))
        #expect(streamed == result.text)
        #expect(result.finishReason == .length)
    }

    @Test func endOfText_waitsForMinTokens_andIsNotInTheOutput() throws {
        let eos = generator.model.config.endOfTextID
        let forced = try generator.generate(prompt: "Hello", parameters: greedy(10, minTokens: 3, bias: [eos: 100]))
        #expect(forced.ids.count == 3)
        #expect(!forced.ids.contains(eos))
        #expect(forced.finishReason == .stop)
        let empty = try generator.generate(prompt: "Hello", parameters: greedy(10, minTokens: 0, bias: [eos: 100]))
        #expect(empty.ids.isEmpty && empty.text.isEmpty && empty.finishReason == .stop)
        let ignored = try generator.generate(prompt: "Hello", parameters: greedy(6, bias: [eos: 100], ignoreEOS: true))
        #expect(ignored.ids.count == 6 && !ignored.ids.contains(eos))
    }

    @Test func stopString_cutsTheText_butNotBeforeMinTokens() throws {
        let free = try generator.generate(prompt: "The", parameters: greedy(12, ignoreEOS: true))
        let words = free.text.split(separator: " ")
        let stop = String(words[words.count / 2])
        let stopped = try generator.generate(prompt: "The", parameters: greedy(12, stop: [stop], ignoreEOS: true))
        #expect(stopped.text == String(free.text[..<free.text.range(of: stop)!.lowerBound]))
        #expect(stopped.finishReason == .stop)
        // With minTokens covering the whole run, the stop string is not applied.
        let late = try generator.generate(prompt: "The", parameters: greedy(12, minTokens: 12, stop: [stop], ignoreEOS: true))
        #expect(late.text == free.text)
    }

    @Test func callerCanStopEarly_andContextLimitEndsWithLength() throws {
        var chunks = 0
        let early = try generator.generate(prompt: "The", parameters: greedy(12, ignoreEOS: true)) { _ in
            chunks += 1
            return chunks < 2
        }
        #expect(chunks == 2 && early.finishReason == .stop)
        let context = generator.model.config.contextLength
        let prompt = Array(repeating: 464, count: context - 3)
        let full = try generator.generate(promptIDs: prompt, parameters: greedy(50, ignoreEOS: true))
        #expect(full.ids.count == 3 && full.finishReason == .length)
        #expect(throws: GenerationError.promptTooLong(promptTokens: context, contextLength: context)) {
            try generator.generate(promptIDs: Array(repeating: 464, count: context), parameters: greedy(5))
        }
    }

    @Test func sameSeed_sameText() throws {
        var p = GenerateParameters()
        p.maxTokens = 16
        p.temperature = 1.1
        p.topP = 0.9
        p.seed = 1234
        p.ignoreEOS = true
        let a = try generator.generate(prompt: "Once", parameters: p)
        let b = try generator.generate(prompt: "Once", parameters: p)
        #expect(a == b)
        p.seed = 1235
        #expect(try generator.generate(prompt: "Once", parameters: p).ids != a.ids)
    }
}
