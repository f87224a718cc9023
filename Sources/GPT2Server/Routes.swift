import Foundation
import GPT2Generation
import Hummingbird
import NIOCore

/// The router of `gpt2 serve` and the small pieces every route uses.
public enum Routes {
    /// Builds every route on one router, wrapped by the CORS / auth / error / metrics middleware.
    public static func router(state: ServerState) -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: APIMiddleware(state: state))
        let completions = CompletionsController(state: state)
        let legacy = LegacyController(state: state)

        router.get("/health") { _, _ -> Response in
            guard state.isReady else { throw APIError(status: 503, message: "The model is still loading.", type: "service_unavailable", retryAfter: 2) }
            return json(.object(["status": .string("ok")]))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: state.metrics.render())))
        }
        router.get("/v1/models") { _, _ -> Response in
            json(.object(["object": .string("list"), "data": .array([.object([
                "id": .string(state.modelName), "object": .string("model"), "created": .number(0), "owned_by": .string("gpt2"),
            ])])]))
        }
        router.post("/v1/completions") { request, context in try await completions.handle(request, context: context) }
        router.post("/v1/chat/completions") { request, context in try await ChatController(state: state).handle(request, context: context) }
        router.post("/tokenize") { request, _ -> Response in
            let loaded = try state.model()
            let fields = RequestFields(try JSONValue.parseObject(try await body(of: request, limit: state.configuration.maxBodyBytes)))
            try fields.rejectUnknown(["text", "prompt", "model", "add_special_tokens"])
            let text = try fields.string("text", "prompt") ?? ""
            let ids = loaded.resolved.tokenizer.encode(text)
            return json(.object(["tokens": .array(ids.map { .number(Double($0)) }), "count": .number(Double(ids.count))]))
        }
        router.post("/detokenize") { request, _ -> Response in
            let loaded = try state.model()
            let fields = RequestFields(try JSONValue.parseObject(try await body(of: request, limit: state.configuration.maxBodyBytes)))
            try fields.rejectUnknown(["tokens", "model"])
            let ids = try CompletionRequest.readPrompts(RequestFields(["prompt": fields.values["tokens"] ?? .array([])]),
                                                        tokenizer: loaded.resolved.tokenizer, endOfTextID: -1)
            return json(.object(["text": .string(loaded.resolved.tokenizer.decode(ids.first?.filter { $0 >= 0 } ?? []))]))
        }
        let generatePath = RouterPath("/" + state.configuration.generateRoute)
        router.post(generatePath) { request, context in try await legacy.handle(request, context: context) }
        router.get(generatePath) { request, context in try await legacy.handle(request, context: context) }
        router.get("/") { request, context -> Response in
            if request.headers[.accept]?.contains("text/html") == true && request.uri.queryParameters.isEmpty {
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                                body: .init(byteBuffer: ByteBuffer(string: WebPage.html)))
            }
            return try await legacy.handle(request, context: context)
        }
        router.post("/") { request, context in try await legacy.handle(request, context: context) }
        router.head("/") { _, _ in Response(status: .ok) }
        return router
    }

    /// Builds the application listening where `state.configuration` says.
    public static func application(state: ServerState, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(router: router(state: state),
                    configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port),
                                         serverName: "gpt2"),
                    onServerRunning: onServerRunning)
    }

    /// The request body, at most `limit` bytes (413 beyond).
    static func body(of request: Request, limit: Int) async throws(APIError) -> Data {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch is NIOTooManyBytesError {
            throw APIError(status: 413, message: "The request body is larger than this server's limit of \(limit) bytes.",
                           type: "invalid_request_error", code: "body_too_large")
        } catch {
            throw APIError(status: 400, message: "The request body could not be read: \(error).", type: "invalid_request_error")
        }
    }

    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }

    /// A server-sent-events response written by `write`.
    static func eventStream(_ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "keep-alive"],
                 body: ResponseBody { writer in
                     try await write(&writer)
                     try await writer.finish(nil)
                 })
    }

    /// Writes `data: JSON` and a blank line.
    static func writeEvent(_ value: JSONValue, to writer: inout any ResponseBodyWriter) async throws {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(value.encoded())
        buffer.writeString("\n\n")
        try await writer.write(buffer)
    }
}
