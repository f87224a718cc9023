import Foundation

/// One JSON object per line; the text of each document is the string at `field` (a dotted path
/// such as `data.text`), or the first of `text`, `content`, `body`, `message` when none is given.
/// Blank lines are ignored; a line whose field is null or empty is counted as skipped.
public struct JSONLinesImporter: DatasetImporter {
    public static let defaultFields = ["text", "content", "body", "message"]
    public var field: String?

    public init(field: String? = nil) { self.field = field }

    public func read(_ url: URL, into sink: RecordSink) throws {
        let reader = try LineReader(url: url)
        while let line = try reader.next() {
            if TextTrimming.isBlank(line) { continue }
            let location = "line \(reader.lineNumber)"
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            } catch {
                throw DatasetError.malformed(file: url.path, location: location, expected: "one JSON object per line",
                                             found: "text that is not JSON: \(Self.preview(line))")
            }
            guard let dictionary = object as? [String: Any] else {
                throw DatasetError.malformed(file: url.path, location: location, expected: "a JSON object",
                                             found: JSONPath.describe(object))
            }
            let path = field ?? Self.defaultFields.first { dictionary[$0] != nil }
            guard let path else {
                throw DatasetError.missingField(file: url.path, field: Self.defaultFields.joined(separator: "\" or \""),
                                                available: dictionary.keys.sorted())
            }
            var value: Any? = dictionary
            for key in path.split(separator: ".") {
                guard let inner = value as? [String: Any], let next = inner[String(key)] else {
                    throw DatasetError.missingField(file: url.path + " " + location, field: path,
                                                    available: (value as? [String: Any])?.keys.sorted() ?? [])
                }
                value = next
            }
            switch value {
            case let text as String:
                if TextTrimming.isBlank(text) { sink.skip("empty text") } else { try sink.emit(.document(text)) }
            case is NSNull:
                sink.skip("empty text")
            default:
                throw DatasetError.malformed(file: url.path, location: "\(location), field \"\(path)\"",
                                             expected: "a string", found: JSONPath.describe(value as Any))
            }
        }
    }

    static func preview(_ line: String) -> String {
        line.count > 40 ? "\"\(line.prefix(40))...\"" : "\"\(line)\""
    }
}
