import Foundation
import GPT2Generation
import GPT2Model
@testable import GPT2Server
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct CompletionRouteTests {
    /// The text the library generates alone, for comparison with what the server returns.
    static func direct(_ prompt: String, maxTokens: Int, temperature: Float = 0, seed: UInt64 = 1) throws -> GenerationResult {
        let r = ServerFixture.resolved
        var p = GenerateParameters(maxTokens: maxTokens, temperature: temperature, seed: seed)
        p.ignoreEOS = true
        return try TextGenerator(model: r.model, tokenizer: r.tokenizer, threads: 1).generate(prompt: prompt, parameters: p)
    }

    @Test func completion_equalsTheLibrary_withUsageAndFinishReason() async throws {
        let expected = try Self.direct("Hello there", maxTokens: 8, temperature: 0.9, seed: 7)
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"model": "anything", "prompt": "Hello there", "max_tokens": 8, "temperature": 0.9, "seed": 7, "ignore_eos": true}"#)) { response in
                #expect(response.status == .ok)
                let json = try ServerFixture.object(response.body)
                #expect(json["object"] as? String == "text_completion")
                let choice = (json["choices"] as! [[String: Any]])[0]
                #expect(choice["text"] as? String == expected.text)
                #expect(choice["finish_reason"] as? String == "length")
                let usage = json["usage"] as! [String: Int]
                #expect(usage["prompt_tokens"] == expected.promptTokenCount)
                #expect(usage["completion_tokens"] == 8)
                #expect(usage["total_tokens"] == expected.promptTokenCount + 8)
            }
        }
    }

    @Test func stream_sendsPieces_thatJoinToTheSameText_thenUsageAndDone() async throws {
        let expected = try Self.direct("Once upon", maxTokens: 10)
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "Once upon", "max_tokens": 10, "temperature": 0, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = ServerFixture.events(response.body)
                #expect(events.last == "[DONE]")
                let chunks = try events.dropLast().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
                let texts = chunks.compactMap { ($0["choices"] as! [[String: Any]]).first?["text"] as? String }
                #expect(texts.count > 2)
                #expect(texts.joined() == expected.text)
                let reasons = chunks.compactMap { ($0["choices"] as! [[String: Any]]).first?["finish_reason"] as? String }
                #expect(reasons == ["length"])
                #expect((chunks.last?["usage"] as? [String: Int])?["completion_tokens"] == 10)
            }
        }
    }

    @Test func echoWithLogprobs_scoresThePrompt_likeTheModel() async throws {
        let r = ServerFixture.resolved
        let ids = r.tokenizer.encode("The cat sat on the mat")
        let reference = try r.model.tokenLogProbabilities(ids, workspace: ForwardWorkspace(threads: 1))
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "The cat sat on the mat", "max_tokens": 0, "echo": true, "logprobs": 2, "temperature": 0}"#)) { response in
                #expect(response.status == .ok)
                let choice = (try ServerFixture.object(response.body)["choices"] as! [[String: Any]])[0]
                #expect(choice["text"] as? String == "The cat sat on the mat")
                let logprobs = choice["logprobs"] as! [String: Any]
                let values = logprobs["token_logprobs"] as! [Any]
                #expect(values.count == ids.count)
                #expect(values.first is NSNull)
                for (got, want) in zip(values.dropFirst(), reference.dropFirst()) {
                    #expect(abs((got as! Double) - want!) < 1e-4)
                }
                #expect((logprobs["top_logprobs"] as! [Any]).dropFirst().allSatisfy { ($0 as! [String: Double]).count <= 2 })
                #expect((logprobs["tokens"] as! [String]).joined() == "The cat sat on the mat")
            }
        }
    }

    @Test func nChoices_andSeveralPrompts_allAnswer() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": ["A", "B"], "n": 2, "max_tokens": 5, "seed": 3, "ignore_eos": true}"#)) { response in
                #expect(response.status == .ok)
                let choices = try ServerFixture.object(response.body)["choices"] as! [[String: Any]]
                #expect(choices.map { $0["index"] as? Int } == [0, 1, 2, 3])
                #expect(Set(choices.map { $0["text"] as! String }).count > 1)
            }
        }
    }

    @Test func stopString_endsTheChoice_withReasonStop() async throws {
        let free = try Self.direct("The", maxTokens: 12)
        let stop = String(free.text.dropFirst(free.text.count / 2).prefix(3))
        let expected = String(free.text[..<free.text.range(of: stop)!.lowerBound])
        let body = try JSONSerialization.data(withJSONObject: ["prompt": "The", "max_tokens": 12, "temperature": 0, "ignore_eos": true, "stop": [stop]])
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ByteBuffer(data: body)) { response in
                let choice = (try ServerFixture.object(response.body)["choices"] as! [[String: Any]])[0]
                #expect(choice["text"] as? String == expected)
                #expect(choice["finish_reason"] as? String == "stop")
            }
        }
    }
}
