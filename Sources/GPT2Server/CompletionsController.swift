import Foundation
import GPT2Generation
import Hummingbird

/// `POST /v1/completions`: runs a ``CompletionRequest`` on the scheduler and answers with one
/// JSON body, or with server-sent events (`data: {chunk}` ... `data: [DONE]`) when streaming.
struct CompletionsController {
    let state: ServerState

    /// Starts every sequence of `request`: `n` per prompt, choice index `prompt * n + j`.
    static func start(_ request: CompletionRequest, on loaded: ServerState.Loaded) async throws(APIError)
        -> (events: AsyncStream<(Int, SequenceEvent)>, prompts: [[Int]]) {
        var sequences: [SequenceRequest] = []
        var prompts: [[Int]] = []
        for prompt in request.prompts {
            for j in 0..<request.n {
                var parameters = request.parameters
                // Choices of one prompt differ by seed, so one request seed gives n distinct texts.
                parameters.seed = parameters.seed.map { $0 &+ UInt64(j) }
                sequences.append(SequenceRequest(promptIDs: prompt, parameters: parameters, topLogprobs: request.logprobs,
                                                 promptLogprobs: request.echo && request.logprobs != nil))
                prompts.append(prompt)
            }
        }
        let streams = try await loaded.scheduler.submit(sequences)
        return (merge(streams), prompts)
    }

    /// One stream of `(sequence index, event)` from several; ending its iteration cancels them all.
    static func merge(_ streams: [AsyncStream<SequenceEvent>]) -> AsyncStream<(Int, SequenceEvent)> {
        let (merged, continuation) = AsyncStream.makeStream(of: (Int, SequenceEvent).self)
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for (i, stream) in streams.enumerated() {
                    group.addTask { for await event in stream { continuation.yield((i, event)) } }
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return merged
    }

    func handle(_ request: Request, context: ServerRequestContext) async throws -> Response {
        let loaded = try state.model()
        let fields = RequestFields(try JSONValue.parseObject(try await Routes.body(of: request, limit: state.configuration.maxBodyBytes)))
        let completion = try CompletionRequest.parse(fields, tokenizer: loaded.resolved.tokenizer,
                                                     endOfTextID: loaded.resolved.model.config.endOfTextID,
                                                     configuration: state.configuration)
        let (events, prompts) = try await Self.start(completion, on: loaded)
        let id = "cmpl-\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24))"
        let created = Int(Date().timeIntervalSince1970)
        let header: [String: JSONValue] = ["id": .string(id), "object": .string("text_completion"),
                                           "created": .number(Double(created)), "model": .string(state.modelName)]
        var choices = prompts.indices.map {
            CompletionChoice(index: $0, prompt: prompts[$0], tokenizer: loaded.resolved.tokenizer, wantsLogprobs: completion.logprobs != nil)
        }
        // With log-probs the prompt arrives measured as the first event; without, it is added now.
        if completion.echo && completion.logprobs == nil {
            for i in choices.indices { choices[i].addPrompt(prompts[i], logprobs: nil) }
        }
        if completion.stream {
            let initial = choices
            return Routes.eventStream { writer in
                var choices = initial
                try await Self.stream(events, choices: &choices, completion: completion, header: header, writer: &writer)
            }
        }
        let initial = choices
        choices = try await context.cancellingOnClose {
            var choices = initial
            for await (i, event) in events {
                switch event {
                case let .promptLogprobs(measured): choices[i].addPrompt(prompts[i], logprobs: measured)
                case let .step(step): choices[i].add(step)
                case let .privacy(report): choices[i].privacy = report
                case let .finished(reason, promptTokens, completionTokens):
                    choices[i].finishReason = reason.rawValue
                    choices[i].promptTokens = promptTokens
                    choices[i].completionTokens = completionTokens
                case let .failed(error): throw error
                }
            }
            try Task.checkCancellation()
            return choices
        }
        var body = header
        body["choices"] = .array(choices.map(\.json))
        body["usage"] = Self.usage(choices, promptsCounted: completion.prompts.count, n: completion.n)
        return Routes.json(.object(body))
    }

    /// OpenAI's `usage`: each prompt counted once, every choice's tokens.
    static func usage(_ choices: [CompletionChoice], promptsCounted: Int, n: Int) -> JSONValue {
        let prompt = stride(from: 0, to: choices.count, by: max(n, 1)).reduce(0) { $0 + choices[$1].promptTokens }
        let completion = choices.reduce(0) { $0 + $1.completionTokens }
        return .object(["prompt_tokens": .number(Double(prompt)), "completion_tokens": .number(Double(completion)),
                        "total_tokens": .number(Double(prompt + completion))])
    }

    /// Writes one chunk per event that carries text or an end, an `error` object if a sequence
    /// fails, the usage chunk when asked for, and `[DONE]`.
    static func stream(_ events: AsyncStream<(Int, SequenceEvent)>, choices: inout [CompletionChoice],
                       completion: CompletionRequest, header: [String: JSONValue], writer: inout any ResponseBodyWriter) async throws {
        func chunk(_ choice: CompletionChoice) -> JSONValue {
            var body = header
            body["choices"] = .array([choice.json])
            return .object(body)
        }
        var totals = choices
        for await (i, event) in events {
            switch event {
            case let .promptLogprobs(measured):
                choices[i].addPrompt(choices[i].prompt, logprobs: measured)
                continue
            case let .step(step):
                choices[i].add(step)
                if choices[i].text.isEmpty && choices[i].tokens.isEmpty { continue }
            case let .privacy(report):
                choices[i].privacy = report
                continue
            case let .finished(reason, promptTokens, completionTokens):
                choices[i].finishReason = reason.rawValue
                totals[i].promptTokens = promptTokens
                totals[i].completionTokens = completionTokens
            case let .failed(error):
                try await Routes.writeEvent(.object(error.body), to: &writer)
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                return
            }
            try await Routes.writeEvent(chunk(choices[i]), to: &writer)
            choices[i].clearSent()
        }
        if completion.includeUsage {
            var body = header
            body["choices"] = .array([])
            body["usage"] = usage(totals, promptsCounted: completion.prompts.count, n: completion.n)
            try await Routes.writeEvent(.object(body), to: &writer)
        }
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
    }
}
