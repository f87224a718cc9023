/// Fast text helpers for the streaming path. Foundation's `trimmingCharacters(in:)` and
/// `contains(_:)` convert through UTF-16 on Linux, which dominated the import time of large
/// corpora; these walk the native UTF-8 storage instead.
enum TextTrimming {
    /// `text` without leading and trailing white space and newlines (Unicode `White_Space`).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    /// True when `text` holds nothing but white space.
    static func isBlank<S: StringProtocol>(_ text: S) -> Bool {
        text.unicodeScalars.allSatisfy(isSpace)
    }

    /// Unicode `White_Space`, with a shortcut for ASCII.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// True when `text` contains `<|endoftext|>`, found by scanning UTF-8 bytes.
    static func containsEndOfText(_ text: String) -> Bool {
        let marker = Array(PlainTextImporter.endOfText.utf8)
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= marker.count else { return false }
            var index = 0
            let last = bytes.count - marker.count
            while index <= last {
                if bytes[index] == marker[0] && bytes[index + 1] == marker[1] {
                    var match = true
                    for offset in 2..<marker.count where bytes[index + offset] != marker[offset] {
                        match = false
                        break
                    }
                    if match { return true }
                }
                index += 1
            }
            return false
        }
    }
}
