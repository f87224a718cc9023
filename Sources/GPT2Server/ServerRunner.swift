import Foundation
import GPT2Generation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs `gpt2 serve`: starts listening at once (so `/health` answers 503 while the model loads),
/// loads the model, and on SIGTERM or SIGINT stops taking requests, lets in-flight sequences
/// finish within `drainSeconds`, and returns.
public enum ServerRunner {
    /// Serves until a shutdown signal. `log` receives one-line progress messages
    /// (`listening on HOST:PORT`, `model loaded`, `draining`).
    public static func run(configuration: ServerConfiguration, log: @escaping @Sendable (String) -> Void) async throws {
        let state = ServerState(configuration: configuration)
        var logger = Logger(label: "gpt2.serve")
        logger.logLevel = .warning
        let app = Routes.application(state: state) { channel in
            let port = channel.localAddress?.port ?? configuration.port
            log("listening on http://\(configuration.host):\(port)")
        }
        let loader = ModelLoadService(state: state, log: log)
        let drain = DrainService(state: state, seconds: configuration.drainSeconds, log: log)
        var group = ServiceGroupConfiguration(services: [
            .init(service: app), .init(service: loader), .init(service: drain),
        ], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(configuration.drainSeconds + 5)
        try await ServiceGroup(configuration: group).run()
        log("stopped")
    }
}

/// Loads the model after the server has started listening, then waits for shutdown.
struct ModelLoadService: Service {
    let state: ServerState
    let log: @Sendable (String) -> Void

    func run() async throws {
        let path = state.configuration.modelPath
        let threads = state.configuration.threads
        let resolved = try await Task.detached { try ResolvedModel.load(path: path) }.value
        let c = state.configuration
        let guards = try PrivacyGuards.load(modelDirectory: resolved.directory, indexPath: c.verbatimIndexPath,
                                            blockVerbatim: c.blockVerbatim, blocklistPath: c.blocklistPath,
                                            outputFilter: c.outputFilter, namesPath: c.namesPath)
        try guards.validate(naming: .commandLine)
        state.serve(resolved, guards: guards)
        log("model loaded: \(resolved.name) (\(resolved.model.config.layerCount) layers, \(threads) threads)")
        if let summary = guards.summary { log("privacy: \(summary)") }
        try? await gracefulShutdown()
    }
}

/// On shutdown (registered last, so it stops first): refuses new requests and waits up to
/// `seconds` for the scheduler to finish what it accepted.
struct DrainService: Service {
    let state: ServerState
    let seconds: Double
    let log: @Sendable (String) -> Void

    func run() async throws {
        try? await gracefulShutdown()
        log("draining: finishing in-flight requests for at most \(seconds) s")
        await state.beginDraining()
        if let scheduler = state.scheduler {
            let idle = await scheduler.drained(before: .now + .seconds(seconds))
            log(idle ? "drained" : "drain deadline passed")
        }
    }
}
