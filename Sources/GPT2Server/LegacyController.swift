import Foundation
import GPT2Generation
import Hummingbird

/// The old apps' routes (`POST /{ROUTE_GENERATE}`, `GET|POST /`), as gpt-2-simple servers
/// answered them: `prefix` (or `input`, `prompt`), `length`, `temperature`, `top_k`, `top_p`,
/// `nsamples`, `seed`, `truncate`, `include_prefix`, from a JSON body or the query string;
/// the answer is `{"text": "..."}`, or a list of texts when `nsamples > 1`.
struct LegacyController {
    let state: ServerState

    static let known: Set<String> = ["prefix", "input", "prompt", "length", "temperature", "top_k", "top_p", "nsamples",
                                     "seed", "truncate", "include_prefix", "batch_size", "model"]

    func handle(_ request: Request, context: ServerRequestContext) async throws -> Response {
        let loaded = try state.model()
        let fields: RequestFields
        if request.method == .post {
            let data = try await Routes.body(of: request, limit: state.configuration.maxBodyBytes)
            fields = data.isEmpty ? RequestFields(query: Self.query(request)) : RequestFields(try JSONValue.parseObject(data))
        } else {
            fields = RequestFields(query: Self.query(request))
        }
        try fields.rejectUnknown(Self.known)
        let prefix = try fields.string("prefix", "input", "prompt") ?? ""
        var p = GenerateParameters()
        p.maxTokens = try fields.int("length") ?? state.configuration.defaultMaxTokens
        if p.maxTokens > state.configuration.maxOutputTokens {
            throw APIError.invalid("The field `length` must be at most \(state.configuration.maxOutputTokens) on this server, but got \(p.maxTokens).", param: "length")
        }
        p.minTokens = min(1, max(0, p.maxTokens))
        // gpt-2-simple's defaults: temperature 0.7; top_k 0 and top_p 0 both mean off.
        p.temperature = try fields.float("temperature") ?? 0.7
        p.topK = try fields.int("top_k") ?? 0
        let topP = try fields.float("top_p") ?? 0
        p.topP = topP == 0 ? 1 : topP
        if let seed = try fields.int("seed") {
            guard seed >= 0 else { throw APIError.invalid("The field `seed` must be an integer >= 0, but got \(seed).", param: "seed") }
            p.seed = UInt64(seed)
        }
        if let truncate = try fields.string("truncate"), !truncate.isEmpty { p.stop = [truncate] }
        let samples = try fields.int("nsamples") ?? 1
        guard (1...state.configuration.maxChoices).contains(samples) else {
            throw APIError.invalid("The field `nsamples` must be an integer in 1...\(state.configuration.maxChoices), but got \(samples).", param: "nsamples")
        }
        let includePrefix = try fields.bool("include_prefix") ?? true
        do { try p.validate(vocabularySize: nil, naming: .json) } catch { throw APIError(error) }
        p = p.withChosenSeed()

        let promptIDs = loaded.resolved.promptTokens(prefix)
        if promptIDs.count > state.configuration.maxPromptTokens {
            throw APIError.invalid("The prefix has \(promptIDs.count) tokens, more than this server's limit of \(state.configuration.maxPromptTokens).",
                                   param: "prefix", code: "context_length_exceeded")
        }
        var completion = CompletionRequest(prompts: [promptIDs], parameters: p, n: samples, stream: false, includeUsage: false,
                                           logprobs: nil, echo: false)
        completion.n = samples
        let (events, _) = try await CompletionsController.start(completion, on: loaded)
        let texts = try await context.cancellingOnClose {
            var texts = [String](repeating: includePrefix ? prefix : "", count: samples)
            for await (i, event) in events {
                switch event {
                case let .step(step): texts[i] += step.text
                case let .failed(error): throw error
                case .promptLogprobs, .privacy, .finished: break
                }
            }
            try Task.checkCancellation()
            return texts
        }
        return Routes.json(.object(["text": samples == 1 ? .string(texts[0]) : .array(texts.map(JSONValue.string))]))
    }

    /// The query string's parameters, percent-decoded.
    static func query(_ request: Request) -> [(String, String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }
}
