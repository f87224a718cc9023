import Hummingbird
import NIOCore

/// The request context of `gpt2 serve`: Hummingbird's basics plus the connection's channel, so a
/// handler can notice that its client went away and stop the sequences it started.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Runs `body` in a child task that is cancelled if the connection closes first, so a
    /// non-streaming request frees its sequences when NIO reports the connection closed (a reset
    /// or an error). A client that merely sends FIN while the server computes is not reported by
    /// NIO until the response is written, so its sequences run to their end; streaming requests
    /// notice a disconnect at their next write.
    public func cancellingOnClose<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        channel.closeFuture.whenComplete { _ in task.cancel() }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }
}
