import Foundation
import GPT2Generation
import Hummingbird

/// `POST /v1/chat/completions` for a model that knows no chat template: the messages become a
/// plain transcript, one `Name: text` line each (names from the configuration, by role), ending
/// with the assistant's name; generation stops at the start of any speaker's next line.
struct ChatController {
    let state: ServerState

    static let known: Set<String> = CompletionRequest.known.subtracting(["prompt", "echo", "suffix", "best_of", "logprobs"])
        .union(["messages", "max_completion_tokens"])

    /// The transcript of `messages` and the stop strings that end the assistant's turn.
    static func transcript(_ messages: JSONValue?, names: [String: String]) throws(APIError) -> (prompt: String, stops: [String]) {
        guard case let .array(items)? = messages, !items.isEmpty else {
            throw .invalid("The field `messages` must be a non-empty list of {\"role\", \"content\"} objects.", param: "messages")
        }
        var lines: [String] = []
        for (i, item) in items.enumerated() {
            guard case let .object(message) = item, case let .string(role)? = message["role"] else {
                throw .invalid("The field `messages[\(i)]` must be an object with a string `role` and `content`.", param: "messages")
            }
            guard let name = names[role] else {
                throw .invalid("The field `messages[\(i)].role` must be one of \(names.keys.sorted().joined(separator: ", ")), but got \"\(role.prefix(40))\".", param: "messages")
            }
            let content: String
            switch message["content"] {
            case let .string(text)?: content = text
            case let .array(parts)?:
                content = parts.compactMap { part -> String? in
                    if case let .object(fields) = part, case let .string(text)? = fields["text"] { return text }
                    return nil
                }.joined()
            default:
                throw .invalid("The field `messages[\(i)].content` must be a string.", param: "messages")
            }
            lines.append("\(name): \(content)")
        }
        let assistant = names["assistant"] ?? "Assistant"
        let stops = Set(names.values).sorted().map { "\n\($0):" }
        return (lines.joined(separator: "\n") + "\n\(assistant):", stops)
    }

    func handle(_ request: Request, context: ServerRequestContext) async throws -> Response {
        let loaded = try state.model()
        var fields = RequestFields(try JSONValue.parseObject(try await Routes.body(of: request, limit: state.configuration.maxBodyBytes)))
        try fields.rejectUnknown(Self.known)
        let (prompt, stops) = try Self.transcript(fields.values["messages"], names: state.configuration.chatNames)
        var values = fields.values
        values["messages"] = nil
        if let limit = values.removeValue(forKey: "max_completion_tokens"), values["max_tokens"] == nil { values["max_tokens"] = limit }
        values["prompt"] = .string(prompt)
        fields = RequestFields(values)
        var completion = try CompletionRequest.parse(fields, tokenizer: loaded.resolved.tokenizer,
                                                     endOfTextID: loaded.resolved.model.config.endOfTextID, configuration: state.configuration)
        let room = GenerateParameters.maximumStopCount - completion.parameters.stop.count
        completion.parameters.stop += stops.prefix(max(0, room))
        let (events, _) = try await CompletionsController.start(completion, on: loaded)
        let header: [String: JSONValue] = ["id": .string("chatcmpl-\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24))"),
                                           "created": .number(Double(Int(Date().timeIntervalSince1970))),
                                           "model": .string(state.modelName)]
        let count = completion.prompts.count * completion.n
        let (n, includeUsage) = (completion.n, completion.includeUsage)
        if completion.stream {
            return Routes.eventStream { writer in
                var started = Set<Int>()
                var usage = (prompt: 0, completion: 0)
                for await (i, event) in events {
                    var delta: [String: JSONValue] = [:]
                    var finish: JSONValue = .null
                    switch event {
                    case let .step(step):
                        if step.text.isEmpty { continue }
                        delta["content"] = .string(started.contains(i) ? step.text : Self.trimLeading(step.text))
                    case let .finished(reason, promptTokens, completionTokens):
                        finish = .string(reason.rawValue)
                        if i % n == 0 { usage.prompt += promptTokens }
                        usage.completion += completionTokens
                    case let .failed(error):
                        try await Routes.writeEvent(.object(error.body), to: &writer)
                        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                        return
                    case .promptLogprobs: continue
                    }
                    if !started.contains(i) { delta["role"] = .string("assistant"); started.insert(i) }
                    var body = header
                    body["object"] = .string("chat.completion.chunk")
                    body["choices"] = .array([.object(["index": .number(Double(i)), "delta": .object(delta), "finish_reason": finish])])
                    try await Routes.writeEvent(.object(body), to: &writer)
                }
                if includeUsage {
                    var body = header
                    body["object"] = .string("chat.completion.chunk")
                    body["choices"] = .array([])
                    body["usage"] = .object(["prompt_tokens": .number(Double(usage.prompt)), "completion_tokens": .number(Double(usage.completion)),
                                             "total_tokens": .number(Double(usage.prompt + usage.completion))])
                    try await Routes.writeEvent(.object(body), to: &writer)
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            }
        }
        let (texts, reasons, promptTokens, completionTokens) = try await context.cancellingOnClose {
            var texts = [String](repeating: "", count: count)
            var reasons = [String](repeating: "length", count: count)
            var promptTokens = 0, completionTokens = 0
            for await (i, event) in events {
                switch event {
                case let .step(step): texts[i] += step.text
                case let .finished(reason, p, c):
                    reasons[i] = reason.rawValue
                    if i % n == 0 { promptTokens += p }
                    completionTokens += c
                case let .failed(error): throw error
                case .promptLogprobs: break
                }
            }
            try Task.checkCancellation()
            return (texts, reasons, promptTokens, completionTokens)
        }
        var body = header
        body["object"] = .string("chat.completion")
        body["choices"] = .array(texts.indices.map { i in
            .object(["index": .number(Double(i)), "finish_reason": .string(reasons[i]),
                     "message": .object(["role": .string("assistant"), "content": .string(Self.trimLeading(texts[i]))])])
        })
        body["usage"] = .object(["prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                                 "total_tokens": .number(Double(promptTokens + completionTokens))])
        return Routes.json(.object(body))
    }

    /// The reply without the space that follows the speaker's colon.
    static func trimLeading(_ text: String) -> String {
        text.hasPrefix(" ") ? String(text.dropFirst()) : text
    }
}
