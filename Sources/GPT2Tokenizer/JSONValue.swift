/// A parsed JSON value, as `JSONReader` produces it.
///
/// Objects keep their members in file order as (key, value) pairs; a later duplicate key wins
/// when they are looked up, as in Python's `json` and Foundation's `JSONSerialization`.
enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case bool(Bool)
    case null

    /// The member `key` of an object (the last one if repeated), or nil.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayElements: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    var integerValue: Int? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return value.rounded() == value ? Int(exactly: value) : nil
        default: return nil
        }
    }
}
