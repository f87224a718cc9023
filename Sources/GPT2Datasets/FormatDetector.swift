import Foundation

/// Tells an input's format from its content (a folder, the first bytes, the first lines); the
/// file name's extension only breaks the tie between CSV and plain text.
public enum FormatDetector {
    /// The format of `url`, or `DatasetError.unknownFormat` for binary content.
    public static func detect(_ url: URL) throws -> DatasetFormat {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DatasetError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if isFolder.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            if names.contains("users.json") && names.contains("channels.json") { return .slack }
            throw DatasetError.unknownFormat(file: url.path)
        }
        let head = try FileSample.head(of: url, bytes: 64 << 10)
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .slack }
        if head.contains(0) { throw DatasetError.unknownFormat(file: url.path) }
        let text = String(decoding: head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head[...], as: UTF8.self)
        let trimmed = text.drop(while: \.isWhitespace)
        if trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<smses") {
            if text.contains("<smses") { return .sms }
            throw DatasetError.unknownFormat(file: url.path)
        }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            if let format = jsonFormat(trimmed) { return format }
        }
        let lines = text.split(whereSeparator: \.isNewline).prefix(20).map(String.init)
        let chatLines = lines.prefix(5).filter { WhatsAppImporter.parseHeader($0, lineNumber: 0) != nil }
        if !chatLines.isEmpty && chatLines.count * 2 >= min(lines.count, 5) { return .whatsapp }
        if url.pathExtension.lowercased() == "csv" || url.pathExtension.lowercased() == "tsv" { return .csv }
        if let first = lines.first, looksLikeCSVHeader(first) { return .csv }
        guard String(validating: head.prefix(max(0, head.count - 4)), as: UTF8.self) != nil else {
            throw DatasetError.unknownFormat(file: url.path)
        }
        return .text
    }

    /// JSON Lines when the first line is a whole object; otherwise Telegram, Facebook Messenger
    /// or Facebook posts by the keys they use.
    static func jsonFormat(_ text: Substring) -> DatasetFormat? {
        let lines = text.split(whereSeparator: \.isNewline).prefix(2)
        let firstIsObject = lines.first.map { line in
            line.hasPrefix("{") && (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any]
        } ?? false
        if firstIsObject && lines.count == 2 && lines.last!.hasPrefix("{") { return .jsonl }
        if text.contains("\"sender_name\"") && text.contains("\"timestamp_ms\"") { return .facebook }
        if text.contains("\"chats\"") || text.contains("\"date_unixtime\"") || text.contains("\"from_id\"") {
            return .telegram
        }
        if text.contains("\"timestamp\"") && text.contains("\"data\"") { return .facebook }
        return firstIsObject ? .jsonl : nil
    }

    /// Two or more comma-separated identifiers (`id,text,author`, optionally quoted), with no
    /// spaces around them: prose such as "Hello, world" does not qualify.
    static func looksLikeCSVHeader(_ line: String) -> Bool {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 2 else { return false }
        return fields.allSatisfy { field in
            var name = Substring(field)
            if name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") { name = name.dropFirst().dropLast() }
            guard let first = name.first, first.isLetter || first == "_", name.count <= 40 else { return false }
            return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        }
    }

    /// The importer for `format` with the options that apply to it.
    public static func importer(for format: DatasetFormat, options: ImportOptions) -> any DatasetImporter {
        switch format {
        case .text: PlainTextImporter(split: options.split)
        case .csv: CSVImporter(column: options.column)
        case .jsonl: JSONLinesImporter(field: options.field)
        case .whatsapp: WhatsAppImporter(dateOrder: options.dateOrder)
        case .slack: SlackExportImporter()
        case .telegram: TelegramImporter()
        case .facebook: FacebookImporter()
        case .sms: SMSBackupImporter(ownName: options.ownName)
        }
    }
}

/// Settings that change how inputs are read.
public struct ImportOptions: Sendable {
    /// `--format`: nil to detect each input's format.
    public var format: DatasetFormat?
    /// `--split` for plain text.
    public var split: TextSplit = .auto
    /// `--column` for CSV.
    public var column: String?
    /// `--field` for JSON Lines.
    public var field: String?
    /// `--date-order` for WhatsApp; nil to infer it.
    public var dateOrder: WhatsAppImporter.DateOrder?
    /// The name given to the sender of one's own SMS messages.
    public var ownName = "Me"

    public init() {}
}
