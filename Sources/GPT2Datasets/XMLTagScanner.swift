import Foundation

/// A small, lenient scanner for flat XML files such as SMS Backup & Restore's: it yields each
/// start tag with its attributes and each end tag, and skips declarations, comments and text.
/// Character references are decoded, including UTF-16 surrogate pairs written as two
/// references (`&#55357;&#56846;` is U+1F60E), which strict XML parsers reject; a lone
/// surrogate becomes U+FFFD.
struct XMLTagScanner {
    enum Event {
        case start(name: String, attributes: [String: String], line: Int)
        case end(name: String)
    }

    private let bytes: [UInt8]
    private let file: String
    private var position = 0
    private var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// The next tag, or nil at the end.
    mutating func next() throws -> Event? {
        while position < bytes.count {
            guard let open = bytes[position...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
            advance(to: open)
            if starts(with: "<!--") {
                try skip(past: "-->")
            } else if starts(with: "<?") {
                try skip(past: "?>")
            } else if starts(with: "<!") {
                try skip(past: ">")
            } else if starts(with: "</") {
                let nameStart = position + 2
                try skip(past: ">")
                let name = String(decoding: bytes[nameStart..<(position - 1)], as: UTF8.self)
                return .end(name: name.trimmingCharacters(in: .whitespaces))
            } else {
                return try startTag()
            }
        }
        return nil
    }

    private mutating func startTag() throws -> Event {
        let tagLine = line
        position += 1
        let nameStart = position
        while position < bytes.count, !Self.isSpace(bytes[position]), bytes[position] != UInt8(ascii: ">"),
              bytes[position] != UInt8(ascii: "/") { position += 1 }
        let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
        var attributes: [String: String] = [:]
        while true {
            while position < bytes.count, Self.isSpace(bytes[position]) { advance(to: position + 1) }
            guard position < bytes.count else { throw error("a \">\" closing the <\(name)> tag", "the end of the file") }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                return .start(name: name, attributes: attributes, line: tagLine)
            }
            if starts(with: "/>") {
                position += 2
                // A self-closing tag is a start and an end; callers treat both alike.
                return .start(name: name, attributes: attributes, line: tagLine)
            }
            let keyStart = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "="), !Self.isSpace(bytes[position]) {
                position += 1
            }
            let key = String(decoding: bytes[keyStart..<position], as: UTF8.self)
            while position < bytes.count, Self.isSpace(bytes[position]) { advance(to: position + 1) }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw error("\"=\" after the attribute \(key) of <\(name)>", "something else")
            }
            position += 1
            while position < bytes.count, Self.isSpace(bytes[position]) { advance(to: position + 1) }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'")
            else { throw error("a quoted value for the attribute \(key) of <\(name)>", "an unquoted value") }
            let quote = bytes[position]
            guard let close = bytes[(position + 1)...].firstIndex(of: quote) else {
                throw error("a closing quote for the attribute \(key) of <\(name)>", "the end of the file")
            }
            let raw = bytes[(position + 1)..<close]
            guard let value = String(validating: raw, as: UTF8.self) else {
                throw DatasetError.notUTF8(file: file, offset: position + 1 + UTF8Validation.firstInvalidOffset(raw))
            }
            attributes[key] = Self.decodeEntities(value)
            advance(to: close + 1)
        }
    }

    /// Replaces `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and `&#N;` / `&#xH;` references.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = String.UnicodeScalarView()
        var pendingHigh: UInt32?
        var scalars = text.unicodeScalars[...]
        func flushHigh() {
            if pendingHigh != nil { output.append("\u{FFFD}") }
            pendingHigh = nil
        }
        while let first = scalars.first {
            guard first == "&", let semicolon = scalars.prefix(12).firstIndex(of: ";") else {
                flushHigh()
                output.append(first)
                scalars = scalars.dropFirst()
                continue
            }
            let name = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<semicolon]))
            var code: UInt32?
            switch name {
            case "amp": code = 0x26
            case "lt": code = 0x3C
            case "gt": code = 0x3E
            case "quot": code = 0x22
            case "apos": code = 0x27
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") { code = UInt32(name.dropFirst(2), radix: 16) }
                else if name.hasPrefix("#") { code = UInt32(name.dropFirst()) }
            }
            guard let code else {
                flushHigh()
                output.append(first)
                scalars = scalars.dropFirst()
                continue
            }
            scalars = scalars[scalars.index(after: semicolon)...]
            if (0xD800..<0xDC00).contains(code) {
                flushHigh()
                pendingHigh = code
            } else if (0xDC00..<0xE000).contains(code) {
                if let high = pendingHigh {
                    output.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))!)
                    pendingHigh = nil
                } else {
                    output.append("\u{FFFD}")
                }
            } else {
                flushHigh()
                output.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            }
        }
        flushHigh()
        return String(output)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private func starts(with prefix: String) -> Bool {
        bytes[position...].starts(with: prefix.utf8)
    }

    private mutating func skip(past terminator: String) throws {
        let pattern = Array(terminator.utf8)
        var index = position
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0] && bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                advance(to: index + pattern.count)
                return
            }
            index += 1
        }
        throw error("\"\(terminator)\"", "the end of the file")
    }

    private mutating func advance(to index: Int) {
        for byte in bytes[position..<index] where byte == 0x0A { line += 1 }
        position = index
    }

    private func error(_ expected: String, _ found: String) -> DatasetError {
        .malformed(file: file, location: "line \(line)", expected: expected, found: found)
    }
}
