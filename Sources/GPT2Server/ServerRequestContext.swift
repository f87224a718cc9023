import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

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

    /// How often a non-streaming request checks whether its client has hung up.
    static let hangUpPollInterval: Duration = .milliseconds(200)

    /// Runs `body` in a child task that is cancelled when the client goes away first, so a
    /// non-streaming request frees its sequences: when NIO reports the connection closed (a reset
    /// or an error), or, on Linux, when the socket shows the client's FIN (TCP state CLOSE_WAIT).
    /// NIO itself would only see that FIN once the response is written, because the HTTP/1
    /// pipeline stops reading while a request is in flight. A client that half-closes its side
    /// on purpose and still waits for the answer is therefore treated as gone (HTTP clients do
    /// not do this in practice). Streaming requests notice a disconnect at their next write.
    public func cancellingOnClose<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        channel.closeFuture.whenComplete { _ in task.cancel() }
        let watcher = Task { [channel] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.hangUpPollInterval)
                if await Self.peerHasHungUp(channel) {
                    task.cancel()
                    return
                }
            }
        }
        defer { watcher.cancel() }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// True when the kernel has seen the peer close its side of `channel`'s TCP connection (Linux:
    /// `TCP_INFO` state CLOSE_WAIT or CLOSE); false elsewhere or when it cannot tell.
    static func peerHasHungUp(_ channel: any Channel) async -> Bool {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider,
              let info = try? await provider.getTCPInfo().get() else { return false }
        // linux/tcp_states.h: TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8.
        return info.tcpi_state == 7 || info.tcpi_state == 8
        #else
        return false
        #endif
    }
}
