import Foundation
import Hummingbird

/// Wraps every route: answers CORS preflights and adds CORS headers, checks the bearer token on
/// the API routes when `API_KEY` is set, turns any thrown error into OpenAI's JSON error body
/// with its status, and counts the request in the metrics.
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: ServerState

    /// Routes that stay open without the API key: the page, health and metrics.
    /// (`GET /` serves the page only without a query string; with one it generates.)
    static func isOpen(_ path: String, query: String?, method: HTTPRequest.Method, accept: String?) -> Bool {
        if path == "/health" || path == "/metrics" { return true }
        if path == "/" {
            let page = method == .get && (query ?? "").isEmpty && (accept?.contains("text/html") ?? false)
            return page || method == .head
        }
        return false
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let route = Self.routeLabel(path, generateRoute: state.configuration.generateRoute)
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, HEAD, OPTIONS"
            response.headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type"
            response.headers[.accessControlMaxAge] = "600"
        } else if let key = state.configuration.apiKey,
                  !Self.isOpen(path, query: request.uri.query, method: request.method, accept: request.headers[.accept]),
                  request.headers[.authorization] != "Bearer \(key)" {
            response = Self.errorResponse(APIError(status: 401, message: "This server needs an API key: send the header Authorization: Bearer KEY.",
                                                   type: "authentication_error", code: "invalid_api_key"))
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = Self.errorResponse(APIError(error))
            }
        }
        addCORS(to: &response, origin: request.headers[.origin])
        state.metrics.countRequest(route: route, status: Int(response.status.code))
        return response
    }

    private func addCORS(to response: inout Response, origin: String?) {
        let allowed = state.configuration.corsOrigins
        if allowed.contains("*") {
            response.headers[.accessControlAllowOrigin] = "*"
        } else if let origin, allowed.contains(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.vary] = "Origin"
        }
    }

    /// A JSON error response (with `Retry-After` when the error names one).
    static func errorResponse(_ error: APIError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retry = error.retryAfter { headers[.retryAfter] = String(retry) }
        let body = JSONValue.object(error.body).encoded()
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The metrics label of a path: the route's pattern, so ids or junk do not grow the series.
    static func routeLabel(_ path: String, generateRoute: String) -> String {
        let known = ["/", "/health", "/metrics", "/v1/models", "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize",
                     "/" + generateRoute]
        return known.contains(path) ? path : "other"
    }
}
