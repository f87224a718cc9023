import Foundation
import GPT2Generation
import GPT2Server
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A server on the small full-vocabulary test model (2 layers, context 64), driven in-process.
enum ServerFixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/full-vocab-f32")

    static let resolved: ResolvedModel = try! ResolvedModel.load(path: folder.path)

    /// A loaded server state with `adjust` applied to the configuration.
    static func state(loaded: Bool = true, _ adjust: (inout ServerConfiguration) -> Void = { _ in }) -> ServerState {
        var configuration = ServerConfiguration()
        configuration.modelPath = folder.path
        configuration.modelName = "full-vocab-f32"
        configuration.threads = 1
        configuration.maxPromptTokens = 60
        adjust(&configuration)
        let state = ServerState(configuration: configuration)
        if loaded { state.serve(resolved) }
        return state
    }

    /// Runs `body` against the router of `state` without a socket.
    static func test(_ state: ServerState, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: Routes.router(state: state))
        try await app.test(.router, body)
    }

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as! [String: Any]
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// `data:` payloads of a server-sent-events body, in order.
    static func events(_ buffer: ByteBuffer) -> [String] {
        String(buffer: buffer).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : $0
        }
    }
}
