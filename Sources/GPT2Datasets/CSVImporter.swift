import Foundation

/// Comma-separated values (RFC 4180) with a header row: every row is a document, its text the
/// field under `column` (matched case-insensitively), or the first of `text`, `content`, `body`,
/// `message`. Quoted fields may hold commas, doubled quotes and line breaks. The delimiter is a
/// comma, or a tab or semicolon when the header has those and no comma. Rows stream: memory
/// holds one row at a time.
public struct CSVImporter: DatasetImporter {
    public var column: String?

    public init(column: String? = nil) { self.column = column }

    public func read(_ url: URL, into sink: RecordSink) throws {
        let reader = try LineReader(url: url)
        var parser: CSVRecordParser?
        var header: [String] = []
        var index = 0
        while let line = try reader.next() {
            if parser == nil {
                parser = CSVRecordParser(delimiter: Self.delimiter(of: line))
            }
            guard let (fields, firstLine) = try parser!.feed(line, lineNumber: reader.lineNumber, file: url.path)
            else { continue }
            if header.isEmpty {
                header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                index = try columnIndex(in: header, file: url.path)
                continue
            }
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard index < fields.count else {
                throw DatasetError.malformed(file: url.path, location: "line \(firstLine)",
                                             expected: "\(header.count) fields as in the header",
                                             found: "\(fields.count)")
            }
            let text = fields[index]
            if TextTrimming.isBlank(text) { sink.skip("empty text") } else { try sink.emit(.document(text)) }
        }
        if let parser, let line = parser.openQuoteLine {
            throw DatasetError.malformed(file: url.path, location: "line \(line)",
                                         expected: "a closing quote for the field opened there", found: "the end of the file")
        }
    }

    private func columnIndex(in header: [String], file: String) throws -> Int {
        let lowered = header.map { $0.lowercased() }
        let wanted = column.map { [$0.lowercased()] } ?? JSONLinesImporter.defaultFields
        for name in wanted {
            if let index = lowered.firstIndex(of: name) { return index }
        }
        throw DatasetError.missingField(file: file, field: column ?? wanted.joined(separator: "\" or \""),
                                        available: header)
    }

    static func delimiter(of headerLine: String) -> Character {
        if headerLine.contains(",") { return "," }
        if headerLine.contains("\t") { return "\t" }
        if headerLine.contains(";") { return ";" }
        return ","
    }
}

/// Splits CSV lines into records; a record continues onto the next line while a quote is open.
struct CSVRecordParser {
    let delimiter: Character
    private var fields: [String] = []
    private var field = ""
    private var inQuotes = false
    private var fieldWasQuoted = false
    private var firstLine = 0

    /// The line where a still-open quoted field began, if any.
    var openQuoteLine: Int? { inQuotes ? firstLine : nil }

    init(delimiter: Character) { self.delimiter = delimiter }

    /// Consumes one line; returns the record and the line it began on once it is complete.
    mutating func feed(_ line: String, lineNumber: Int, file: String) throws -> ([String], Int)? {
        if !inQuotes { firstLine = lineNumber }
        var characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if inQuotes {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty && !fieldWasQuoted {
                inQuotes = true
                fieldWasQuoted = true
            } else if character == delimiter {
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            } else if fieldWasQuoted && character != " " {
                throw DatasetError.malformed(file: file, location: "line \(lineNumber)",
                                             expected: "a delimiter after a closing quote", found: "\"\(character)\"")
            } else if !fieldWasQuoted {
                field.append(character)
            }
        }
        if inQuotes {
            field.append("\n")
            return nil
        }
        fields.append(field)
        defer {
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        return (fields, firstLine)
    }
}
