import Foundation

/// A parsed JSON value, enough to validate a safetensors header or a shard index field by
/// field and say exactly which field is wrong (a `Codable` struct would only say "data corrupted").
///
/// Integers that fit `Int` are `.integer`; other numbers (fractions, exponents, huge values)
/// are `.number`.
enum SafetensorsJSON: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([SafetensorsJSON])
    case object([String: SafetensorsJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([SafetensorsJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: SafetensorsJSON].self))
        }
    }

    /// Parses `data` as JSON; on failure throws a one-line reason.
    static func parse(_ data: Data) throws(ParseFailure) -> SafetensorsJSON {
        do {
            return try JSONDecoder().decode(SafetensorsJSON.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context):
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                throw ParseFailure(reason: "it is not valid JSON (\(detail ?? context.debugDescription))")
            default:
                throw ParseFailure(reason: "it is not valid JSON")
            }
        } catch {
            throw ParseFailure(reason: "it is not valid JSON")
        }
    }

    struct ParseFailure: Error {
        let reason: String
    }

    /// A short name of the value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// `s` as a JSON string literal with quotes, escaping `"`, `\` and control characters.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
