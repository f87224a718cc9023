import Foundation
import GPT2Privacy

/// Everything `gpt2 serve` is told at start: where to listen, what to serve, and the limits that
/// keep one process responsive under load. Built from flags, with environment variables
/// (`HOST`, `PORT`, `MODEL`, `N_TOKENS`, `ROUTE_GENERATE`, `API_KEY`, `CORS_ORIGINS`) as the
/// fallback that container platforms such as Cloud Run set.
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to bind (`0.0.0.0` for every interface).
    public var host = "127.0.0.1"
    /// TCP port; Cloud Run passes it in `PORT`.
    public var port = 8080
    /// Model directory (a Hugging Face GPT-2 folder).
    public var modelPath = ""
    /// Name reported by `GET /v1/models` and in responses (the folder's last component by default).
    public var modelName = "gpt2"
    /// Tokens per request when a request names none (`N_TOKENS`).
    public var defaultMaxTokens = 64
    /// Path of the old apps' simple route, without the leading slash (`ROUTE_GENERATE`).
    public var generateRoute = "generate"
    /// Bearer token required on the API routes when set (`API_KEY`); the page, `/health` and
    /// `/metrics` stay open.
    public var apiKey: String? = nil
    /// Origins allowed by CORS (`CORS_ORIGINS`, comma separated); `["*"]` allows any origin.
    public var corsOrigins: [String] = ["*"]
    /// Sequences decoded together in one batched forward step.
    public var maxConcurrentSequences = 16
    /// Requests that may wait for a free slot; one more is answered 429.
    public var maxQueueLength = 64
    /// The longest prompt in tokens (the model's context also bounds it).
    public var maxPromptTokens = 1024
    /// The most tokens one request may ask to generate.
    public var maxOutputTokens = 1024
    /// The largest request body in bytes; a larger one is answered 413.
    public var maxBodyBytes = 1 << 20
    /// Seconds that in-flight work may take to finish after SIGTERM before the process exits.
    public var drainSeconds = 30.0
    /// Threads for the model's math.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The most completions one request may ask for (`n`, `nsamples`).
    public var maxChoices = 8
    /// The most top log-probabilities per token (`logprobs`).
    public var maxLogprobs = 5
    /// Refuse tokens that would complete a run of this many tokens copied from the training text
    /// (`BLOCK_VERBATIM`; 0: off unless a request asks); needs the model's verbatim index.
    public var blockVerbatim = 0
    /// The verbatim index, when not `verbatim.idx` in the model folder.
    public var verbatimIndexPath: String? = nil
    /// A blocklist file: phrases never generated (`BLOCKLIST`).
    public var blocklistPath: String? = nil
    /// The output filter for personal details every response gets (`OUTPUT_FILTER`).
    public var outputFilter: OutputFilterMode = .off
    /// Names the output filter also redacts, one per line.
    public var namesPath: String? = nil
    /// Speaker names of the chat transcript, by OpenAI role.
    public var chatNames: [String: String] = ["system": "System", "user": "User", "assistant": "Assistant"]

    public init() {}

    /// Applies the environment variables this server reads; flags given on the command line are
    /// applied afterwards by the caller and win.
    public mutating func apply(environment: [String: String]) throws(ServerConfigurationError) {
        if let host = environment["HOST"], !host.isEmpty { self.host = host }
        if let port = environment["PORT"], !port.isEmpty {
            guard let value = Int(port), (0...65535).contains(value) else {
                throw .invalid(name: "PORT", found: port, expected: "an integer in 0...65535")
            }
            self.port = value
        }
        if let model = environment["MODEL"], !model.isEmpty { modelPath = model }
        if let tokens = environment["N_TOKENS"], !tokens.isEmpty {
            guard let value = Int(tokens), value >= 0 else {
                throw .invalid(name: "N_TOKENS", found: tokens, expected: "an integer >= 0")
            }
            defaultMaxTokens = value
        }
        if let limit = environment["BLOCK_VERBATIM"], !limit.isEmpty {
            guard let value = Int(limit), value >= 0 else {
                throw .invalid(name: "BLOCK_VERBATIM", found: limit, expected: "an integer >= 0")
            }
            blockVerbatim = value
        }
        if let mode = environment["OUTPUT_FILTER"], !mode.isEmpty {
            guard let value = OutputFilterMode(rawValue: mode) else {
                throw .invalid(name: "OUTPUT_FILTER", found: mode, expected: "one of off, redact, reject")
            }
            outputFilter = value
        }
        if let path = environment["BLOCKLIST"], !path.isEmpty { blocklistPath = path }
        if let route = environment["ROUTE_GENERATE"], !route.isEmpty { generateRoute = route }
        if let key = environment["API_KEY"], !key.isEmpty { apiKey = key }
        if let origins = environment["CORS_ORIGINS"], !origins.isEmpty {
            corsOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
    }

    /// Checks that the limits make sense together.
    public func validate() throws(ServerConfigurationError) {
        func positive(_ name: String, _ value: Int) throws(ServerConfigurationError) {
            if value < 1 { throw .invalid(name: name, found: "\(value)", expected: "an integer >= 1") }
        }
        try positive("max-concurrent", maxConcurrentSequences)
        try positive("max-prompt-tokens", maxPromptTokens)
        try positive("max-output-tokens", maxOutputTokens)
        try positive("max-body-bytes", maxBodyBytes)
        try positive("threads", threads)
        try positive("max-choices", maxChoices)
        if blockVerbatim < 0 { throw .invalid(name: "block-verbatim", found: "\(blockVerbatim)", expected: "an integer >= 0") }
        if maxQueueLength < 0 { throw .invalid(name: "max-queue", found: "\(maxQueueLength)", expected: "an integer >= 0") }
        if !(port >= 0 && port <= 65535) { throw .invalid(name: "port", found: "\(port)", expected: "an integer in 0...65535") }
        if !(drainSeconds.isFinite && drainSeconds >= 0) {
            throw .invalid(name: "drain-seconds", found: "\(drainSeconds)", expected: "a number of seconds >= 0")
        }
        if defaultMaxTokens > maxOutputTokens {
            throw .invalid(name: "N_TOKENS", found: "\(defaultMaxTokens)", expected: "at most max-output-tokens (\(maxOutputTokens))")
        }
        let trimmed = generateRoute.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if trimmed.isEmpty || trimmed.contains("/") || trimmed.hasPrefix("v1") {
            throw .invalid(name: "ROUTE_GENERATE", found: generateRoute, expected: "one path segment other than v1, such as generate")
        }
    }
}

/// A configuration value that cannot work, named as the user set it.
public enum ServerConfigurationError: Error, LocalizedError, Equatable, Sendable {
    case invalid(name: String, found: String, expected: String)

    public var errorDescription: String? {
        switch self {
        case let .invalid(name, found, expected): "\(name) must be \(expected), but got \"\(found)\"."
        }
    }
}
