import Foundation
import GPT2Generation
import GPT2Tokenizer
import Hummingbird

/// `POST /v1/chat/completions` for a model that knows no chat template: the messages become a
/// plain transcript, one `Name: text` line each (names from the configuration, by role), ending
/// with the assistant's name; generation stops at the start of any speaker's next line.
struct ChatController {
    let state: ServerState

    static let known: Set<String> = CompletionRequest.known.subtracting(["prompt", "echo", "suffix", "best_of"])
        .union(["messages", "max_completion_tokens", "top_logprobs"])

    /// Chat's `logprobs` (a bool) and `top_logprobs` (0...max) as the completion's `logprobs`
    /// count, or nil when not asked for.
    static func logprobsCount(_ fields: RequestFields, maximum: Int) throws(APIError) -> Int? {
        let top = try fields.int("top_logprobs")
        if let top, !(0...maximum).contains(top) {
            throw .invalid("The field `top_logprobs` must be an integer in 0...\(maximum), but got \(top).", param: "top_logprobs")
        }
        guard try fields.bool("logprobs") == true else {
            if top != nil { throw .invalid("The field `top_logprobs` needs `logprobs: true`.", param: "top_logprobs") }
            return nil
        }
        return top ?? 0
    }

    /// OpenAI's chat entry for one generated token: `{token, logprob, bytes, top_logprobs}`.
    static func logprobEntry(_ measured: TokenLogprob, tokenizer: BPETokenizer) -> JSONValue {
        func entry(_ id: Int, _ logprob: Double) -> [String: JSONValue] {
            let piece = tokenizer.decode([id])
            return ["token": .string(piece), "logprob": CompletionChoice.logprobJSON(logprob),
                    "bytes": .array(tokenizer.tokenBytes(id).map { .number(Double($0)) })]
        }
        var fields = entry(measured.tokenID, measured.logprob)
        fields["top_logprobs"] = .array(measured.top.map { .object(entry($0.tokenID, $0.logprob)) })
        return .object(fields)
    }

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
        let logprobs = try Self.logprobsCount(fields, maximum: state.configuration.maxLogprobs)
        let (prompt, stops) = try Self.transcript(fields.values["messages"], names: state.configuration.chatNames)
        var values = fields.values
        values["messages"] = nil
        if let limit = values.removeValue(forKey: "max_completion_tokens"), values["max_tokens"] == nil { values["max_tokens"] = limit }
        values["prompt"] = .string(prompt)
        values["top_logprobs"] = nil
        values["logprobs"] = logprobs.map { .number(Double($0)) }
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
        let tokenizer = loaded.resolved.tokenizer
        let wantsLogprobs = logprobs != nil
        if completion.stream {
            return Routes.eventStream { writer in
                var started = Set<Int>()
                var usage = (prompt: 0, completion: 0)
                var reports: [Int: PrivacyReport] = [:]
                for await (i, event) in events {
                    var delta: [String: JSONValue] = [:]
                    var finish: JSONValue = .null
                    var tokenLogprobs: JSONValue = .null
                    switch event {
                    case let .step(step):
                        if wantsLogprobs, let measured = step.logprob {
                            tokenLogprobs = .object(["content": .array([Self.logprobEntry(measured, tokenizer: tokenizer)])])
                        }
                        if step.text.isEmpty && tokenLogprobs == .null { continue }
                        delta["content"] = .string(started.contains(i) ? step.text : Self.trimLeading(step.text))
                    case let .privacy(report):
                        reports[i] = report
                        continue
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
                    var choice: [String: JSONValue] = ["index": .number(Double(i)), "delta": .object(delta),
                                                       "logprobs": tokenLogprobs, "finish_reason": finish]
                    if finish != .null, let report = reports[i] { choice["privacy"] = report.json }
                    body["choices"] = .array([.object(choice)])
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
        let (texts, reasons, entries, promptTokens, completionTokens, reports) = try await context.cancellingOnClose {
            var texts = [String](repeating: "", count: count)
            var reasons = [String](repeating: "length", count: count)
            var entries = [[JSONValue]](repeating: [], count: count)
            var promptTokens = 0, completionTokens = 0
            var reports = [PrivacyReport?](repeating: nil, count: count)
            for await (i, event) in events {
                switch event {
                case let .step(step):
                    texts[i] += step.text
                    if wantsLogprobs, let measured = step.logprob {
                        entries[i].append(Self.logprobEntry(measured, tokenizer: tokenizer))
                    }
                case let .privacy(report): reports[i] = report
                case let .finished(reason, p, c):
                    reasons[i] = reason.rawValue
                    if i % n == 0 { promptTokens += p }
                    completionTokens += c
                case let .failed(error): throw error
                case .promptLogprobs: break
                }
            }
            try Task.checkCancellation()
            return (texts, reasons, entries, promptTokens, completionTokens, reports)
        }
        var body = header
        body["object"] = .string("chat.completion")
        body["choices"] = .array(texts.indices.map { i in
            var choice: [String: JSONValue] = [
                "index": .number(Double(i)), "finish_reason": .string(reasons[i]),
                "message": .object(["role": .string("assistant"), "content": .string(Self.trimLeading(texts[i]))]),
                "logprobs": wantsLogprobs ? .object(["content": .array(entries[i])]) : .null]
            if let report = reports[i] { choice["privacy"] = report.json }
            return .object(choice)
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
