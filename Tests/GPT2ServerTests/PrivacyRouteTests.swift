import Foundation
import GPT2Generation
import GPT2Privacy
@testable import GPT2Server
import Hummingbird
import HummingbirdTesting
import Testing

/// The privacy guards through the HTTP API: request fields, server defaults, each response's
/// `privacy` object and the `/metrics` counters.
@Suite struct PrivacyRouteTests {
    /// Greedy output of the test model, made the "training text" of an index, so that the model
    /// reproduces its training text exactly as a memorising model would.
    static func memorisingServer() throws -> (ServerState, VerbatimIndex, String) {
        let r = ServerFixture.resolved
        var p = GenerateParameters(maxTokens: 40, temperature: 0)
        p.ignoreEOS = true
        let result = try TextGenerator(model: r.model, tokenizer: r.tokenizer, threads: 1).generate(prompt: "The", parameters: p)
        var builder = try VerbatimIndexBuilder(window: 4, endOfTextID: r.tokenizer.endOfTextID)
        try builder.add(ids: r.tokenizer.encode("The") + result.ids, source: "memorised.txt")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privacy-route-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(VerbatimIndex.fileName)
        try builder.write(to: url)
        let index = try VerbatimIndex.load(url)
        let state = ServerFixture.state(loaded: false)
        state.serve(r, guards: PrivacyGuards(verbatimIndex: index))
        return (state, index, result.text)
    }

    static func complete(_ client: any TestClientProtocol, _ body: String) async throws -> [String: Any] {
        try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                 body: ServerFixture.body(body)) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            return try ServerFixture.object(response.body)
        }
    }

    static func metrics(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
    }

    @Test func blockVerbatim_breaksTheCopy_andIsCounted() async throws {
        let (state, index, memorised) = try Self.memorisingServer()
        let tokenizer = ServerFixture.resolved.tokenizer
        try await ServerFixture.test(state) { client in
            let free = try await Self.complete(client, #"{"prompt": "The", "max_tokens": 40, "temperature": 0, "ignore_eos": true}"#)
            let freeChoice = (free["choices"] as! [[String: Any]])[0]
            #expect(freeChoice["text"] as? String == memorised && freeChoice["privacy"] == nil)

            let guarded = try await Self.complete(client, #"{"prompt": "The", "max_tokens": 40, "temperature": 0, "ignore_eos": true, "block_verbatim": 8}"#)
            let choice = (guarded["choices"] as! [[String: Any]])[0]
            let text = choice["text"] as! String
            #expect(text != memorised)
            #expect((index.longestCopiedRun(in: tokenizer.encode("The" + text))?.length ?? 0) < 8)
            let privacy = choice["privacy"] as! [String: Any]
            let refusals = privacy["verbatim_refusals"] as! Int
            #expect(refusals > 0 && privacy["rejected"] as? Bool == false)
            #expect(try await Self.metrics(client).contains("gpt2_verbatim_refusals_total \(refusals)\n"))
        }
    }

    @Test func aServerDefault_appliesToEveryRequest_andCannotBeLoosened() async throws {
        let (_, index, _) = try Self.memorisingServer()
        let tokenizer = ServerFixture.resolved.tokenizer
        let strict = ServerFixture.state(loaded: false)
        strict.serve(ServerFixture.resolved, guards: PrivacyGuards(verbatimIndex: index, blockVerbatim: 6))
        try await ServerFixture.test(strict) { client in
            for field in ["", #", "block_verbatim": 0"#, #", "block_verbatim": 30"#] {
                let json = try await Self.complete(client, #"{"prompt": "The", "max_tokens": 40, "temperature": 0, "ignore_eos": true"# + field + "}")
                let text = (json["choices"] as! [[String: Any]])[0]["text"] as! String
                #expect((index.longestCopiedRun(in: tokenizer.encode("The" + text))?.length ?? 0) < 6, "\(field)")
            }
        }
    }

    @Test func outputFilter_redactsOrRejects_inBothAnswersAndStreams() async throws {
        let tokenizer = ServerFixture.resolved.tokenizer
        let digits = tokenizer.encode(" 555")
        #expect(digits.count == 1)
        // The bias makes the model say " 555 555 555 555": twelve digits in groups, a phone number.
        let request = #"{"prompt": "Call me at", "max_tokens": 4, "temperature": 0, "logit_bias": {"\#(digits[0])": 100}"#
        try await ServerFixture.test(ServerFixture.state()) { client in
            let plain = try await Self.complete(client, request + "}")
            #expect((plain["choices"] as! [[String: Any]])[0]["text"] as? String == " 555 555 555 555")

            let redacted = try await Self.complete(client, request + #", "output_filter": "redact"}"#)
            let choice = (redacted["choices"] as! [[String: Any]])[0]
            #expect(choice["text"] as? String == " [PHONE]" && choice["finish_reason"] as? String == "length")
            #expect((choice["privacy"] as! [String: Any])["redactions"] as? [String: Int] == ["phone": 1])

            let rejected = try await Self.complete(client, request + #", "output_filter": "reject"}"#)
            let rejectedChoice = (rejected["choices"] as! [[String: Any]])[0]
            #expect(rejectedChoice["text"] as? String == " " && rejectedChoice["finish_reason"] as? String == "content_filter")

            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(request + #", "output_filter": "redact", "stream": true}"#)) { response in
                let chunks = try ServerFixture.events(response.body).dropLast().map {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                }
                let choices = chunks.compactMap { ($0["choices"] as! [[String: Any]]).first }
                #expect(choices.compactMap { $0["text"] as? String }.joined() == " [PHONE]")
                #expect(choices.last?["finish_reason"] as? String == "length" && choices.last?["privacy"] != nil)
            }
            let metrics = try await Self.metrics(client)
            #expect(metrics.contains("gpt2_redactions_total{category=\"phone\"} 3\n"), "\(metrics)")
            #expect(metrics.contains("gpt2_rejected_outputs_total 1\n"))
        }
    }

    @Test func badPrivacyFields_areRefusedWithTheirName() async throws {
        try await ServerFixture.test(ServerFixture.state()) { client in
            for (body, phrase) in [
                (#"{"prompt": "x", "block_verbatim": 8}"#, "no verbatim index"),
                (#"{"prompt": "x", "block_verbatim": -1}"#, "block_verbatim"),
                (#"{"prompt": "x", "output_filter": "loud"}"#, "off, redact, reject"),
            ] {
                try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                         body: ServerFixture.body(body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(String(buffer: response.body).contains(phrase), "\(String(buffer: response.body))")
                }
            }
        }
    }

    @Test func environment_setsTheServerDefaults() throws {
        var c = ServerConfiguration()
        try c.apply(environment: ["BLOCK_VERBATIM": "16", "OUTPUT_FILTER": "redact", "BLOCKLIST": "/etc/blocklist.txt"])
        #expect(c.blockVerbatim == 16 && c.outputFilter == .redact && c.blocklistPath == "/etc/blocklist.txt")
        #expect(throws: ServerConfigurationError.self) { try c.apply(environment: ["OUTPUT_FILTER": "maybe"]) }
        #expect(throws: ServerConfigurationError.self) { try c.apply(environment: ["BLOCK_VERBATIM": "-3"]) }
    }
}
