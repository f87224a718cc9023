import Foundation
import GPT2Generation
@testable import GPT2Server
import Hummingbird
import HummingbirdTesting
import Testing

/// A model whose weights are all NaN: the failure reaches a started stream as an `error` event,
/// and a plain request as a 500, instead of text made of noise.
@Suite struct StreamErrorTests {
    static func nanModel() throws -> (ResolvedModel, URL) {
        let source = ServerFixture.folder
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-server-nan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var bytes = [UInt8](try Data(contentsOf: source.appendingPathComponent("model.safetensors")))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var i = 8 + headerLength
        while i + 4 <= bytes.count {
            bytes.replaceSubrange(i..<(i + 4), with: [0x00, 0x00, 0xC0, 0x7F])
            i += 4
        }
        try Data(bytes).write(to: folder.appendingPathComponent("model.safetensors"))
        return (try ResolvedModel.load(path: folder.path), folder)
    }

    @Test func nonFiniteLogits_becomeAnErrorEvent_orA500() async throws {
        let resolved: ResolvedModel
        let folder: URL
        do {
            (resolved, folder) = try Self.nanModel()
        } catch {
            // A loader that refuses NaN weights outright is also a correct outcome.
            #expect("\(error)".lowercased().contains("nan") || "\(error)".contains("finite"))
            return
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = ServerFixture.state(loaded: false)
        state.serve(resolved)
        try await ServerFixture.test(state) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "Hi", "max_tokens": 4, "stream": true}"#)) { response in
                let events = ServerFixture.events(response.body)
                #expect(events.last == "[DONE]")
                let error = try JSONSerialization.jsonObject(with: Data(events[0].utf8)) as! [String: Any]
                let message = (error["error"] as! [String: Any])["message"] as! String
                #expect(message.contains("non-finite"), "\(message)")
            }
            try await client.execute(uri: "/v1/completions", method: .post, headers: ServerFixture.jsonHeaders,
                                     body: ServerFixture.body(#"{"prompt": "Hi", "max_tokens": 4}"#)) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("non_finite_logits"))
            }
        }
    }
}
