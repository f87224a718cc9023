import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer
import Hummingbird

/// An error as the API reports it: an HTTP status and OpenAI's body
/// `{"error": {"message", "type", "param", "code"}}`. Every error a route can meet is mapped to
/// one of these in ``init(_:)``, the one place that chooses statuses.
public struct APIError: Error, Sendable, Equatable, LocalizedError {
    /// The HTTP status code.
    public var status: Int
    /// One sentence a user can act on.
    public var message: String
    /// OpenAI's error type: `invalid_request_error`, `authentication_error`, `rate_limit_error`,
    /// `server_error`, `service_unavailable`, `not_found_error`.
    public var type: String
    /// The request field at fault, when one is.
    public var param: String?
    /// A short machine-readable code, when useful (`context_length_exceeded`).
    public var code: String?
    /// Seconds a client should wait before retrying (sent as `Retry-After`).
    public var retryAfter: Int?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    public var errorDescription: String? { message }

    /// A 400 about request field `param`.
    public static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// Maps any error to its status: request problems 400, a full queue 429, a missing model
    /// 503, everything unexpected 500.
    public init(_ error: any Error) {
        switch error {
        case let api as APIError:
            self = api
        case let generation as GenerationError:
            var param: String? = nil
            var code: String? = nil
            switch generation {
            case let .invalidParameter(name, _, _): param = name
            case .promptTooLong: (param, code) = ("prompt", "context_length_exceeded")
            case .emptyPrompt: param = "prompt"
            case .noPossibleToken: param = "logit_bias"
            case .nonFiniteLogits: self = APIError(status: 500, message: generation.errorDescription ?? "", type: "server_error", code: "non_finite_logits")
                return
            }
            self = .invalid(generation.errorDescription ?? "\(generation)", param: param, code: code)
        case let model as ModelError:
            if case .contextOverflow = model {
                self = .invalid(model.errorDescription ?? "", param: "prompt", code: "context_length_exceeded")
            } else if case .tokenOutOfRange = model {
                self = .invalid(model.errorDescription ?? "", param: "prompt")
            } else {
                self = APIError(status: 500, message: model.errorDescription ?? "\(model)", type: "server_error")
            }
        case let tokenizer as TokenizerError:
            self = .invalid(tokenizer.errorDescription ?? "\(tokenizer)")
        case let http as HTTPError:
            self = APIError(status: Int(http.status.code), message: http.body ?? http.status.reasonPhrase,
                            type: http.status.code == 404 ? "not_found_error" : "invalid_request_error")
        default:
            let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
            self = APIError(status: 500, message: "Internal error: \(text)", type: "server_error")
        }
    }

    /// The JSON body OpenAI clients parse.
    var body: [String: JSONValue] {
        ["error": .object([
            "message": .string(message), "type": .string(type),
            "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null,
        ])]
    }
}
