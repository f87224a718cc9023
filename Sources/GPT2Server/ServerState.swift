import Foundation
import GPT2Generation
import Synchronization

/// What the routes share: the configuration, the metrics, and the model once it is loaded (the
/// server answers `/health` with 503 until then).
public final class ServerState: Sendable {
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    /// The model and its scheduler, once loaded.
    public struct Loaded: Sendable {
        public let resolved: ResolvedModel
        public let scheduler: Scheduler
        public let guards: PrivacyGuards
    }
    private let loaded = Mutex<Loaded?>(nil)
    private let draining = Mutex(false)

    public init(configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics()) {
        self.configuration = configuration
        self.metrics = metrics
    }

    /// Makes `resolved` the served model, guarded by `guards`, and starts its scheduler.
    @discardableResult
    public func serve(_ resolved: ResolvedModel, guards: PrivacyGuards = .none) -> Loaded {
        let scheduler = Scheduler(model: resolved.model, tokenizer: resolved.tokenizer, threads: configuration.threads,
                                  maxConcurrent: configuration.maxConcurrentSequences, maxQueue: configuration.maxQueueLength,
                                  metrics: metrics, guards: guards)
        let value = Loaded(resolved: resolved, scheduler: scheduler, guards: guards)
        loaded.withLock { $0 = value }
        return value
    }

    /// The model, or 503 while it loads.
    public func model() throws(APIError) -> Loaded {
        if draining.withLock({ $0 }) {
            throw APIError(status: 503, message: "The server is shutting down and takes no new requests.", type: "service_unavailable", retryAfter: 5)
        }
        guard let value = loaded.withLock({ $0 }) else {
            throw APIError(status: 503, message: "The model is still loading; retry in a few seconds.", type: "service_unavailable", retryAfter: 2)
        }
        return value
    }

    /// The scheduler, once the model is loaded (even while draining).
    public var scheduler: Scheduler? { loaded.withLock { $0?.scheduler } }

    /// Whether the model is loaded (and the server not draining).
    public var isReady: Bool { loaded.withLock { $0 != nil } && !draining.withLock { $0 } }

    /// Refuses new generation requests from now on (SIGTERM).
    public func beginDraining() async {
        draining.withLock { $0 = true }
        if let scheduler = loaded.withLock({ $0?.scheduler }) { await scheduler.stopAccepting() }
    }

    /// The name `/v1/models` reports.
    public var modelName: String { configuration.modelName }
}
