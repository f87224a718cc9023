import Foundation

/// Replaces personal details in text with placeholders and counts them: URLs `[URL]`, e-mail
/// addresses `[EMAIL]`, @handles `[HANDLE]`, phone numbers `[PHONE]`, and given names `[NAME]`
/// (whole words, case-insensitive). Categories are applied in that order, so the address in a
/// URL is not also counted as an e-mail or handle.
///
/// A phone number is a run of 7 to 15 digits, with optional `+` country code, parentheses and
/// `-` `.` or space separators, that starts with `+` or `(`, or has 10 or more digits, or uses
/// `-`/`.` separators; dates such as 2024-01-31 or 31.01.2024 are not phone numbers.
public struct PIIScrubber: @unchecked Sendable {
    // NSRegularExpression is immutable once made and safe to use from several threads.

    /// What was replaced.
    public enum Category: String, CaseIterable, Sendable, Codable {
        case url, email, handle, phone, name

        /// The text put in place of a match.
        public var placeholder: String { "[\(rawValue.uppercased())]" }
    }

    private let patterns: [(Category, NSRegularExpression)]
    private let maximumNameWords: Int

    /// - Parameter names: names to replace (empty lines ignored); matched as whole words.
    public init(names: [String] = []) {
        var patterns: [(Category, NSRegularExpression)] = [
            (.url, try! NSRegularExpression(pattern: #"\b(?:https?://|ftp://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]'’]"#,
                                            options: [.caseInsensitive])),
            (.email, try! NSRegularExpression(pattern: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"#)),
            (.handle, try! NSRegularExpression(pattern: #"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"#)),
            (.phone, try! NSRegularExpression(pattern:
                #"(?<![\w+/:.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]?\d{2,5}){0,4}(?![\w/:]|[.-]\d)"#)),
        ]
        let cleaned = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .sorted { $0.count > $1.count }
        if !cleaned.isEmpty {
            let alternatives = cleaned.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|")
            patterns.append((.name, try! NSRegularExpression(
                pattern: #"(?<![\p{L}\p{N}_])(?:"# + alternatives + #")(?![\p{L}\p{N}_])"#, options: [.caseInsensitive])))
        }
        self.patterns = patterns
        maximumNameWords = cleaned.map { $0.split(whereSeparator: \.isWhitespace).count }.max() ?? 1
    }

    /// Reads names from a file, one per line; lines starting with `#` are comments.
    public init(namesFile url: URL) throws(PrivacyError) {
        self.init(names: try ListFile.entries(url))
    }

    /// `text` with every match replaced, and how many matches of each category there were.
    public func scrub(_ text: String) -> (text: String, counts: [Category: Int]) {
        var text = text
        var counts: [Category: Int] = [:]
        for (category, pattern) in patterns {
            let source = text as NSString
            var ranges = pattern.matches(in: text, range: NSRange(location: 0, length: source.length)).map(\.range)
            if category == .phone { ranges = ranges.filter { Self.isPhone(source.substring(with: $0)) } }
            guard !ranges.isEmpty else { continue }
            counts[category] = ranges.count
            let output = NSMutableString(string: text)
            for range in ranges.reversed() { output.replaceCharacters(in: range, with: category.placeholder) }
            text = output as String
        }
        return (text, counts)
    }

    /// Where `text` holds personal details: the UTF-16 ranges of every category's matches in the
    /// original text (they may overlap, such as an address inside a URL), sorted by start.
    public func matchRanges(in text: String) -> [(category: Category, range: NSRange)] {
        let source = text as NSString
        var ranges: [(category: Category, range: NSRange)] = []
        for (category, pattern) in patterns {
            for match in pattern.matches(in: text, range: NSRange(location: 0, length: source.length))
            where category != .phone || Self.isPhone(source.substring(with: match.range)) {
                ranges.append((category, match.range))
            }
        }
        return ranges.sorted { $0.range.location < $1.range.location }
    }

    /// The most words a match can span (a phone number written in groups, the longest name).
    public var longestMatchWords: Int { max(maximumNameWords, 7) }

    static func isPhone(_ candidate: String) -> Bool {
        let digits = candidate.filter(\.isASCIIDigit).count
        guard (7...15).contains(digits) else { return false }
        if candidate.range(of: #"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$"#,
                           options: .regularExpression) != nil { return false }
        return candidate.hasPrefix("+") || candidate.hasPrefix("(") || digits >= 10
            || candidate.contains("-") || candidate.contains(".")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
