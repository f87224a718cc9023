import Foundation
@testable import GPT2Server
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ServerRouteTests {
    @Test func health_is503UntilTheModelLoads_then200() async throws {
        let state = ServerFixture.state(loaded: false)
        try await ServerFixture.test(state) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/v1/completions", method: .post, body: ServerFixture.body("{}")) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
            }
            state.serve(ServerFixture.resolved)
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func models_listsTheServedModel() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let data = try ServerFixture.object(response.body)["data"] as! [[String: Any]]
                #expect(data.map { $0["id"] as? String } == ["full-vocab-f32"])
            }
        }
    }

    @Test func oldAppRoutes_answerText_fromJSONOrQuery_withPrefixAndSamples() async throws {
        let state = ServerFixture.state { $0.generateRoute = "complete" }
        try await ServerFixture.test(state) { client in
            try await client.execute(uri: "/complete", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prefix": "Hello", "length": 5, "temperature": 0}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                let text = try ServerFixture.object(response.body)["text"] as! String
                #expect(text.hasPrefix("Hello") && text.count > 5)
            }
            try await client.execute(uri: "/?input=Hello&length=4&nsamples=2&include_prefix=false&seed=1", method: .get) { response in
                #expect(response.status == .ok)
                let texts = try ServerFixture.object(response.body)["text"] as! [String]
                #expect(texts.count == 2 && !texts[0].hasPrefix("Hello"))
            }
            try await client.execute(uri: "/", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/?length=abc", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("`length` must be an integer"))
            }
        }
    }

    @Test func browser_getsThePage() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html,application/xhtml+xml"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: response.body)
                #expect(page.contains("v1/completions") && page.contains("id=\"stop\""))
            }
        }
    }

    @Test func apiKey_guardsTheAPI_butNotHealthMetricsOrPage() async throws {
        let state = ServerFixture.state { $0.apiKey = "sesame" }
        try await ServerFixture.test(state) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("authentication_error"))
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sesame"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"]) { #expect($0.status == .ok) }
            // The page is open; generating through GET / with a query is not.
            try await client.execute(uri: "/?prefix=Hi", method: .get, headers: [.accept: "text/html"]) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func cors_preflightAndOriginList() async throws {
        let state = ServerFixture.state { $0.corsOrigins = ["https://app.example"] }
        try await ServerFixture.test(state) { client in
            try await client.execute(uri: "/v1/completions", method: .options,
                                     headers: [.origin: "https://app.example", .accessControlRequestHeaders: "content-type"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example")
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func tokenizeAndDetokenize_roundTrip() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/tokenize", method: .post, body: ServerFixture.body(#"{"text": "Hello world"}"#)) { response in
                try #expect(ServerFixture.object(response.body)["tokens"] as? [Int] == [15496, 995])
            }
            try await client.execute(uri: "/detokenize", method: .post, body: ServerFixture.body(#"{"tokens": [15496, 995]}"#)) { response in
                try #expect(ServerFixture.object(response.body)["text"] as? String == "Hello world")
            }
        }
    }

    @Test func chat_rendersATranscript_andAnswersAsTheAssistant() async throws {
        let (prompt, stops) = try ChatController.transcript(.array([
            .object(["role": .string("system"), "content": .string("Be brief.")]),
            .object(["role": .string("user"), "content": .string("Hi")]),
        ]), names: ServerConfiguration().chatNames)
        #expect(prompt == "System: Be brief.\nUser: Hi\nAssistant:")
        #expect(stops.contains("\nUser:"))
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 6, "seed": 2}"#)) { response in
                #expect(response.status == .ok)
                let json = try ServerFixture.object(response.body)
                #expect(json["object"] as? String == "chat.completion")
                let message = (json["choices"] as! [[String: Any]])[0]["message"] as! [String: String]
                #expect(message["role"] == "assistant")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"messages": [{"role": "robot", "content": "Hi"}]}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("messages[0].role"))
            }
        }
    }

    /// Chat's `logprobs`/`top_logprobs` give OpenAI's `content` entries, equal to what the
    /// completions route reports for the same transcript.
    @Test func chat_logprobs_matchTheCompletionsRoute() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            var fromCompletions: [[String: Any]] = []
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "User: Hi\nAssistant:", "max_tokens": 4, "temperature": 0, "logprobs": 3, "ignore_eos": true}"#)) { response in
                #expect(response.status == .ok)
                let logprobs = (try ServerFixture.object(response.body)["choices"] as! [[String: Any]])[0]["logprobs"] as! [String: Any]
                let tokens = logprobs["tokens"] as! [String], values = logprobs["token_logprobs"] as! [Double]
                let tops = logprobs["top_logprobs"] as! [[String: Double]]
                fromCompletions = tokens.indices.map { ["token": tokens[$0], "logprob": values[$0], "top": tops[$0]] }
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0, "logprobs": true, "top_logprobs": 3, "ignore_eos": true}"#)) { response in
                #expect(response.status == .ok)
                let choice = (try ServerFixture.object(response.body)["choices"] as! [[String: Any]])[0]
                let content = (choice["logprobs"] as! [String: Any])["content"] as! [[String: Any]]
                #expect(content.count == fromCompletions.count)
                for (entry, expected) in zip(content, fromCompletions) {
                    #expect(entry["token"] as? String == expected["token"] as? String)
                    #expect(entry["logprob"] as? Double == expected["logprob"] as? Double)
                    let bytes = (entry["bytes"] as! [Int]).map(UInt8.init)
                    #expect(String(decoding: bytes, as: UTF8.self) == entry["token"] as? String)
                    let top = entry["top_logprobs"] as! [[String: Any]]
                    #expect(top.count == 3)
                    let expectedTop = expected["top"] as! [String: Double]
                    for alternative in top {
                        #expect(expectedTop[alternative["token"] as! String] == alternative["logprob"] as? Double)
                    }
                }
            }
            for (body, field) in [(#"{"messages": [{"role": "user", "content": "Hi"}], "top_logprobs": 2}"#, "top_logprobs"),
                                  (#"{"messages": [{"role": "user", "content": "Hi"}], "logprobs": true, "top_logprobs": 9}"#, "top_logprobs"),
                                  (#"{"messages": [{"role": "user", "content": "Hi"}], "logprobs": 3}"#, "logprobs")] {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                         body: ServerFixture.body(body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(String(buffer: response.body).contains(field), "\(body)")
                }
            }
        }
    }

    @Test func metrics_countRequestsAndTokens() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "Hi", "max_tokens": 3, "ignore_eos": true}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/completions", method: .post, body: ServerFixture.body("{")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"gpt2_requests_total{route="/v1/completions",status="200"} 1"#))
                #expect(text.contains(#"gpt2_requests_total{route="/v1/completions",status="400"} 1"#))
                #expect(text.contains("gpt2_generated_tokens_total 3"))
                #expect(text.contains("gpt2_active_sequences 0"))
                #expect(text.contains("gpt2_time_to_first_token_seconds_count 1"))
            }
        }
    }
}
