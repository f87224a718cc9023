import Foundation

/// WhatsApp "Export chat" text files.
///
/// Android lines look like `31/12/2020, 22:15 - Alice: Hello` and iOS lines like
/// `[31/12/2020, 22:15:30] Alice: Hello`; both may start with U+200E. Dates come day-first,
/// month-first or year-first with `/`, `.` or `-`, years with 2 or 4 digits; clocks 24-hour or
/// 12-hour ("PM", "p. m.", with ordinary, no-break or narrow no-break spaces). The order of
/// day and month is taken from the file (a field above 12, or else the order that keeps the
/// messages in time order), or from `dateOrder`. Lines without a header continue the message
/// before. System lines, media placeholders and deleted messages are skipped and counted; the
/// "<This message was edited>" suffix is removed. Times carry no zone and are read as UTC.
public struct WhatsAppImporter: DatasetImporter {
    /// Which field of a date is the day, the month and the year.
    public enum DateOrder: String, CaseIterable, Sendable {
        case dayMonthYear = "dmy", monthDayYear = "mdy", yearMonthDay = "ymd"
    }

    public var dateOrder: DateOrder?

    public init(dateOrder: DateOrder? = nil) { self.dateOrder = dateOrder }

    static let header = try! NSRegularExpression(pattern:
        "^[\\u200E\\u200F]?(\\[)?(\\d{1,4})[./-](\\d{1,2})[./-](\\d{1,4}),?\\s(\\d{1,2})[:.](\\d{2})(?:[:.](\\d{2}))?"
        + "(?:[\\s\\u00A0\\u202F]*([aApP])\\.?[\\s\\u00A0\\u202F]?[mM]\\.?)?(?:\\]\\s|[\\s\\u00A0\\u202F][-\\u2013][\\s\\u00A0\\u202F])(.*)$")
    static let edited = try! NSRegularExpression(pattern:
        "\\s*<[^<>]*(?:edited|editó|bearbeitet|modifié|editado|modificato)[^<>]*>\\s*$", options: [.caseInsensitive])
    static let marks = CharacterSet(charactersIn: "\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}")
    static let mediaPhrases = ["<media omitted>", "<multimedia omitido>", "<médias omis>", "<medien ausgeschlossen>",
                               "image omitted", "video omitted", "audio omitted", "sticker omitted", "gif omitted",
                               "document omitted", "contact card omitted", "<attached:", "imagen omitida", "null"]
    static let deletedPhrases = ["this message was deleted", "you deleted this message", "se eliminó este mensaje",
                                 "eliminaste este mensaje", "diese nachricht wurde gelöscht", "ce message a été supprimé"]

    /// A line that starts a message or a system entry, before its date is resolved.
    struct Entry {
        var fields: (Int, Int, Int)
        var hour: Int, minute: Int, second: Int
        var line: Int
        var body: String
        var fromIOS: Bool
    }

    public func read(_ url: URL, into sink: RecordSink) throws {
        let text = try UTF8Validation.string(try Data(contentsOf: url), file: url.path)
        let conversation = url.deletingPathExtension().lastPathComponent
        var entries: [Entry] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if let entry = Self.parseHeader(String(line), lineNumber: lineNumber) {
                entries.append(entry)
            } else if !entries.isEmpty {
                entries[entries.count - 1].body += "\n" + line
            } else if !line.allSatisfy(\.isWhitespace) {
                throw DatasetError.malformed(file: url.path, location: "line \(lineNumber)",
                                             expected: "a WhatsApp message line such as \"31/12/2020, 22:15 - Name: text\"",
                                             found: JSONLinesImporter.preview(String(line)))
            }
        }
        let order = dateOrder ?? Self.inferOrder(entries)
        for entry in entries {
            guard let date = Self.date(entry, order: order) else {
                throw DatasetError.malformed(file: url.path, location: "line \(entry.line)",
                                             expected: "a valid \(order.rawValue) date and time", found: "\(entry.fields)")
            }
            try emit(entry, date: date, conversation: conversation, sink: sink)
        }
    }

    private func emit(_ entry: Entry, date: Date, conversation: String, sink: RecordSink) throws {
        guard let colon = entry.body.range(of: ": ") else { return sink.skip("system message") }
        let sender = String(entry.body[..<colon.lowerBound]).components(separatedBy: Self.marks).joined()
            .trimmingCharacters(in: .whitespaces)
        var message = String(entry.body[colon.upperBound...])
        if sender.isEmpty || sender.count > 60 || sender.contains("\"") || sender.contains("\u{201C}") {
            return sink.skip("system message")
        }
        let plain = message.trimmingCharacters(in: Self.marks.union(.whitespacesAndNewlines)).lowercased()
        if Self.mediaPhrases.contains(where: { plain.hasPrefix($0) }) || plain.hasSuffix("(file attached)") {
            return sink.skip("media")
        }
        if Self.deletedPhrases.contains(where: { plain.hasPrefix($0) }) { return sink.skip("deleted message") }
        if entry.fromIOS && message.hasPrefix("\u{200E}") { return sink.skip("system message") }
        let range = NSRange(message.startIndex..., in: message)
        message = Self.edited.stringByReplacingMatches(in: message, range: range, withTemplate: "")
        try sink.emit(message: ChatMessage(conversation: conversation, sender: sender, date: date,
                                           text: message.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    static func parseHeader(_ line: String, lineNumber: Int) -> Entry? {
        let range = NSRange(line.startIndex..., in: line)
        guard let match = header.firstMatch(in: line, range: range) else { return nil }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: line).map { String(line[$0]) }
        }
        func number(_ index: Int) -> Int { group(index).flatMap { Int($0) } ?? 0 }
        var hour = number(5)
        if let meridiem = group(8)?.lowercased() {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == "p" ? 12 : 0)
        }
        return Entry(fields: (number(2), number(3), number(4)), hour: hour, minute: number(6), second: number(7),
                     line: lineNumber, body: group(9) ?? "", fromIOS: group(1) != nil)
    }

    /// Year-first when the first field has four digits; else day-first when a first field
    /// exceeds 12, month-first when a second one does; else the order whose dates never go
    /// backwards more often (ties: day-first).
    static func inferOrder(_ entries: [Entry]) -> DateOrder {
        guard let first = entries.first else { return .dayMonthYear }
        if first.fields.0 > 31 { return .yearMonthDay }
        if entries.contains(where: { $0.fields.0 > 12 }) { return .dayMonthYear }
        if entries.contains(where: { $0.fields.1 > 12 }) { return .monthDayYear }
        func inversions(_ order: DateOrder) -> Int {
            let dates = entries.compactMap { date($0, order: order) }
            return zip(dates, dates.dropFirst()).filter { $0 > $1 }.count
        }
        return inversions(.monthDayYear) < inversions(.dayMonthYear) ? .monthDayYear : .dayMonthYear
    }

    static func date(_ entry: Entry, order: DateOrder) -> Date? {
        let (a, b, c) = entry.fields
        let (day, month, yearField) = switch order {
        case .dayMonthYear: (a, b, c)
        case .monthDayYear: (b, a, c)
        case .yearMonthDay: (c, b, a)
        }
        let year = yearField < 100 ? yearField + 2000 : yearField
        guard (1...12).contains(month), (1...31).contains(day), entry.hour < 24, entry.minute < 60 else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: entry.hour,
                                        minute: entry.minute, second: entry.second)
        components.timeZone = TimeZone(identifier: "UTC")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day else { return nil }
        return date
    }
}
