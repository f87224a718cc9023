import Foundation
@testable import GPT2Server
import Hummingbird
import HummingbirdTesting
import Testing

/// Every bad request gets a 4xx with OpenAI's error shape and a message naming the problem.
@Suite struct BadInputTests {
    static let cases: [(body: String, status: Int, mentions: String)] = [
        (#"{"prompt": "x", "max_tokens": 5"#, 400, "not valid JSON"),
        (#"[1, 2]"#, 400, "must be a JSON object"),
        (#"{"prompt": "x", "max_tokens": "five"}"#, 400, "`max_tokens` must be an integer"),
        (#"{"prompt": "x", "max_tokens": 2.5}"#, 400, "`max_tokens` must be an integer"),
        (#"{"prompt": "x", "max_tokens": -1}"#, 400, "`max_tokens` must be an integer >= 0"),
        (#"{"prompt": "x", "max_tokens": 100000}"#, 400, "at most 1024"),
        (#"{"prompt": "x", "temperature": -1}"#, 400, "`temperature`"),
        (#"{"prompt": "x", "top_p": 1.5}"#, 400, "`top_p`"),
        (#"{"prompt": "x", "top_k": -3}"#, 400, "`top_k`"),
        (#"{"prompt": "x", "temperature": 1e999}"#, 400, "temperature"),
        (#"{"prompt": "x", "n": 0}"#, 400, "`n`"),
        (#"{"prompt": "x", "logprobs": 99}"#, 400, "`logprobs`"),
        (#"{"prompt": "x", "frobnicate": 1}"#, 400, "Unknown field `frobnicate`"),
        (#"{"prompt": [1, 99999999]}"#, 400, "token id"),
        (#"{"prompt": {"a": 1}}"#, 400, "`prompt` must be"),
        (#"{"prompt": "x", "stop": [1]}"#, 400, "`stop[0]`"),
        (#"{"prompt": "x", "logit_bias": {"cat": 1}}"#, 400, "logit_bias"),
        (#"{"prompt": "x", "seed": -4}"#, 400, "`seed`"),
    ]

    @Test(arguments: cases.indices)
    func badCompletion_isA400_namingTheField(index: Int) async throws {
        let (body, status, mentions) = Self.cases[index]
        try await ServerFixture.test(ServerFixture.state()) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(body)) { response in
                #expect(Int(response.status.code) == status, "\(body)")
                let error = try ServerFixture.object(response.body)["error"] as! [String: Any]
                let message = error["message"] as! String
                #expect(message.contains(mentions), "\(body) -> \(message)")
                #expect(error["type"] as? String == "invalid_request_error")
            }
        }
    }

    @Test func invalidUTF8_hugeBodies_andLongPrompts_areRefused() async throws {
        let state = ServerFixture.state { $0.maxBodyBytes = 1000 }
        try await ServerFixture.test(state) { client in
            var broken = ByteBuffer(string: #"{"prompt": ""#)
            broken.writeBytes([0xFF, 0xFE])
            broken.writeString(#""}"#)
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders, body: broken) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("UTF-8"))
            }
            let huge = ByteBuffer(string: #"{"prompt": "\#(String(repeating: "a", count: 5000))"}"#)
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders, body: huge) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("1000 bytes"))
            }
            let long = ByteBuffer(string: #"{"prompt": "\#(String(repeating: "word ", count: 100))"}"#)
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders, body: long) { response in
                #expect(response.status == .badRequest)
                let error = try ServerFixture.object(response.body)["error"] as! [String: Any]
                #expect((error["message"] as! String).contains("101 tokens"))
                #expect(error["code"] as? String == "context_length_exceeded")
            }
        }
    }

    @Test func promptThatFillsTheContext_isA400_withTheCounts() async throws {
        let state = ServerFixture.state { $0.maxPromptTokens = 1024 }
        try await ServerFixture.test(state) { client in
            let ids = Array(repeating: 464, count: 64).map(String.init).joined(separator: ",")
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": [\#(ids)], "max_tokens": 4}"#)) { response in
                #expect(response.status == .badRequest)
                let message = (try ServerFixture.object(response.body)["error"] as! [String: Any])["message"] as! String
                #expect(message.contains("64 tokens") && message.contains("at most 64"), "\(message)")
            }
        }
    }
}
