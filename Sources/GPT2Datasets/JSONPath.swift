import Foundation

/// A value of a parsed JSON document together with its path (`messages[3].date`), so a value
/// of the wrong shape gives an error naming the file, the path, what was expected and found.
struct JSONPath {
    let value: Any
    let path: String
    let file: String

    /// Parses a whole JSON file (exports are read at once; they are far smaller than corpora).
    static func load(_ url: URL) throws -> JSONPath {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONPath(value: value, path: "$", file: url.path)
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "invalid JSON"
            throw DatasetError.malformed(file: url.path, location: "JSON syntax", expected: "valid JSON",
                                         found: detail.trimmingCharacters(in: CharacterSet(charactersIn: ".")))
        }
    }

    /// The member `key`, or nil when it is absent or null.
    subscript(_ key: String) -> JSONPath? {
        guard let object = value as? [String: Any], let member = object[key], !(member is NSNull) else { return nil }
        return JSONPath(value: member, path: "\(path).\(key)", file: file)
    }

    /// The member `key`, which must be present.
    func require(_ key: String) throws -> JSONPath {
        guard value is [String: Any] else { throw mismatch("an object with \"\(key)\"") }
        guard let member = self[key] else {
            throw DatasetError.malformed(file: file, location: path, expected: "a member \"\(key)\"", found: "none")
        }
        return member
    }

    var isObject: Bool { value is [String: Any] }
    var keys: [String] { (value as? [String: Any])?.keys.sorted() ?? [] }

    func array() throws -> [JSONPath] {
        guard let items = value as? [Any] else { throw mismatch("an array") }
        return items.enumerated().map { JSONPath(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws -> String {
        guard let text = value as? String else { throw mismatch("a string") }
        return text
    }

    /// A number, or a string holding one (Slack's `ts`, Telegram's `date_unixtime`).
    func number() throws -> Double {
        if let text = value as? String, let number = Double(text) { return number }
        if !(value is String), let number = value as? NSNumber { return number.doubleValue }
        throw mismatch("a number")
    }

    func optionalString(_ key: String) throws -> String? { try self[key]?.string() }

    func mismatch(_ expected: String) -> DatasetError {
        .malformed(file: file, location: path, expected: expected, found: Self.describe(value))
    }

    /// "a string \"abc\"", "a number 3", "an array", "an object", "null".
    static func describe(_ value: Any) -> String {
        switch value {
        case let text as String: return "a string \(JSONLinesImporter.preview(text))"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        case let number as NSNumber: return "a number \(number)"
        default: return "\(type(of: value))"
        }
    }
}
