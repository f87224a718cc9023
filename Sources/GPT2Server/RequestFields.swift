import Foundation

/// The fields of one request (a JSON object, or a query string read as one), read with checks
/// that name the field: a wrong type, a fraction where an integer belongs, or an unknown field is
/// a 400 that says which field and what it should be.
public struct RequestFields: Sendable {
    public private(set) var values: [String: JSONValue]
    /// Whether values came from a query string (all strings, converted on read).
    public let fromQuery: Bool

    public init(_ values: [String: JSONValue], fromQuery: Bool = false) {
        self.values = values
        self.fromQuery = fromQuery
    }

    /// Reads a query string's parameters (the last of repeated names wins).
    public init(query: [(String, String)]) {
        var values: [String: JSONValue] = [:]
        for (name, value) in query { values[name] = .string(value) }
        self.init(values, fromQuery: true)
    }

    /// Throws for any field outside `known`, naming it.
    public func rejectUnknown(_ known: Set<String>) throws(APIError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid("Unknown field `\(unknown)`; the fields this route reads are \(known.sorted().joined(separator: ", ")).", param: unknown)
        }
    }

    /// The first present field of `names` (a field and its aliases); `null` counts as absent.
    public func first(_ names: [String]) -> (name: String, value: JSONValue)? {
        for name in names { if let value = values[name], value != .null { return (name, value) } }
        return nil
    }

    func typeError(_ name: String, _ value: JSONValue, _ expected: String) -> APIError {
        .invalid("The field `\(name)` must be \(expected), but got \(value.kind)\(Self.preview(value)).", param: name)
    }

    static func preview(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): " \"\(text.prefix(40))\""
        case let .number(number): " \(number)"
        default: ""
        }
    }

    /// An integer field (a JSON number without fraction, or a query string of digits).
    public func int(_ names: String...) throws(APIError) -> Int? {
        guard let (name, value) = first(names) else { return nil }
        switch value {
        case let .number(number):
            guard number.rounded() == number, let exact = Int(exactly: number) else {
                throw typeError(name, value, "an integer")
            }
            return exact
        case let .string(text) where fromQuery:
            guard let exact = Int(text) else { throw typeError(name, value, "an integer") }
            return exact
        default:
            throw typeError(name, value, "an integer")
        }
    }

    /// A number field; NaN and infinities are refused (JSON has none; a query string might).
    public func float(_ names: String...) throws(APIError) -> Float? {
        guard let (name, value) = first(names) else { return nil }
        var number: Double
        switch value {
        case let .number(n): number = n
        case let .string(text) where fromQuery:
            guard let n = Double(text) else { throw typeError(name, value, "a number") }
            number = n
        default: throw typeError(name, value, "a number")
        }
        guard number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw typeError(name, value, "a finite number")
        }
        return Float(number)
    }

    /// A boolean field (`true`/`false`; in a query string also `1`/`0`).
    public func bool(_ names: String...) throws(APIError) -> Bool? {
        guard let (name, value) = first(names) else { return nil }
        switch value {
        case let .bool(flag): return flag
        case let .string(text) where fromQuery:
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw typeError(name, value, "true or false")
            }
        default: throw typeError(name, value, "true or false")
        }
    }

    /// A string field.
    public func string(_ names: String...) throws(APIError) -> String? {
        guard let (name, value) = first(names) else { return nil }
        guard case let .string(text) = value else { throw typeError(name, value, "a string") }
        return text
    }

    /// A string or a list of strings (OpenAI's `stop`).
    public func strings(_ name: String) throws(APIError) -> [String]? {
        guard let (name, value) = first([name]) else { return nil }
        switch value {
        case let .string(text): return [text]
        case let .array(items):
            var result: [String] = []
            for (i, item) in items.enumerated() {
                guard case let .string(text) = item else { throw typeError("\(name)[\(i)]", item, "a string") }
                result.append(text)
            }
            return result
        default: throw typeError(name, value, "a string or a list of strings")
        }
    }
}
