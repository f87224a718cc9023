import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Server

/// `gpt2 serve`: an OpenAI-compatible and old-app-compatible HTTP server with a web page.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP: OpenAI's /v1/completions, the old apps' routes, and a web page at /.",
        discussion: """
        Environment variables HOST, PORT, MODEL, N_TOKENS, ROUTE_GENERATE, API_KEY, CORS_ORIGINS, BLOCK_VERBATIM, \
        OUTPUT_FILTER and BLOCKLIST set the same things as the flags; a flag wins over its variable.
        """
    )

    @Option(help: "A model folder or Hugging Face Hub id (env MODEL; default: the model built into gpt2).")
    var model: String?

    @Option(help: "Address to listen on (env HOST; default 127.0.0.1, 0.0.0.0 for every interface).")
    var host: String?

    @Option(parsing: .unconditional, help: "TCP port (env PORT; default 8080; 0 picks a free port).")
    var port: Int?

    @Option(name: .customLong("model-name"), help: "Model name reported by /v1/models (default: the folder's name).")
    var modelName: String?

    @Option(parsing: .unconditional, help: "Threads for the math (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("n-tokens"), parsing: .unconditional, help: "Tokens per request when a request names none (env N_TOKENS; default 64).")
    var defaultTokens: Int?

    @Option(name: .customLong("route-generate"), help: "Path of the old apps' simple route (env ROUTE_GENERATE; default generate).")
    var generateRoute: String?

    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on the API routes (env API_KEY).")
    var apiKey: String?

    @Option(name: .customLong("cors-origins"), help: "Comma-separated origins allowed by CORS, or * (env CORS_ORIGINS; default *).")
    var corsOrigins: String?

    @Option(name: .customLong("max-concurrent"), parsing: .unconditional, help: "Sequences decoded together in one batched step (default 16).")
    var maxConcurrent: Int?

    @Option(name: .customLong("max-queue"), parsing: .unconditional, help: "Sequences that may wait for a slot; beyond, 429 (default 64).")
    var maxQueue: Int?

    @Option(name: .customLong("max-prompt-tokens"), parsing: .unconditional, help: "Longest prompt in tokens (default 1024).")
    var maxPromptTokens: Int?

    @Option(name: .customLong("max-output-tokens"), parsing: .unconditional, help: "Most tokens one request may ask for (default 1024).")
    var maxOutputTokens: Int?

    @Option(name: .customLong("max-body-bytes"), parsing: .unconditional, help: "Largest request body; beyond, 413 (default 1048576).")
    var maxBodyBytes: Int?

    @OptionGroup(title: "Privacy guards (server defaults; a request may only make them stricter)") var privacy: PrivacyOptions

    @Option(name: .customLong("drain-seconds"), parsing: .unconditional, help: "Seconds in-flight requests may take to finish after SIGTERM (default 30).")
    var drainSeconds: Double?

    /// Defaults, then the environment, then the flags.
    func serverConfiguration(environment: [String: String]) throws -> ServerConfiguration {
        var c = ServerConfiguration()
        try reportingErrors { try c.apply(environment: environment) }
        if let model { c.modelPath = model }
        if let host { c.host = host }
        if let port { c.port = port }
        if let threads { c.threads = threads }
        if let defaultTokens { c.defaultMaxTokens = defaultTokens }
        if let generateRoute { c.generateRoute = generateRoute }
        if let apiKey { c.apiKey = apiKey.isEmpty ? nil : apiKey }
        if let corsOrigins { c.corsOrigins = corsOrigins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let maxConcurrent { c.maxConcurrentSequences = maxConcurrent }
        if let maxQueue { c.maxQueueLength = maxQueue }
        if let maxPromptTokens { c.maxPromptTokens = maxPromptTokens }
        if let maxOutputTokens { c.maxOutputTokens = maxOutputTokens }
        if let maxBodyBytes { c.maxBodyBytes = maxBodyBytes }
        if let drainSeconds { c.drainSeconds = drainSeconds }
        if let value = privacy.blockVerbatim { c.blockVerbatim = value }
        if let value = privacy.verbatimIndex { c.verbatimIndexPath = value }
        if let value = privacy.blocklist { c.blocklistPath = value }
        if let value = privacy.outputFilter { c.outputFilter = value }
        if let value = privacy.names { c.namesPath = value }
        c.modelName = modelName
            ?? (DefaultModel.isNamed(by: c.modelPath) ? DefaultModel.flagName : URL(fileURLWithPath: c.modelPath).standardizedFileURL.lastPathComponent)
        c.generateRoute = c.generateRoute.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        try reportingErrors { try c.validate() }
        return c
    }

    func run() async throws {
        var configuration = try serverConfiguration(environment: ProcessInfo.processInfo.environment)
        do {
            // The default model, a folder, or a Hub id (MODEL=gpt2) from the Hugging Face cache.
            configuration.modelPath = try await modelPathOrDefault(configuration.modelPath, messagePrefix: "gpt2 serve: ")
            try await ServerRunner.run(configuration: configuration) { line in
                FileHandle.standardError.write(Data("gpt2 serve: \(line)\n".utf8))
            }
        } catch {
            throw CommandFailure(error)
        }
    }
}
