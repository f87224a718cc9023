import Foundation
import GPT2Privacy

/// Everything `gpt2 dataset build` was asked to do, as plain values.
public struct DatasetBuildOptions: Sendable {
    /// Files or folders to import, in order.
    public var inputs: [URL]
    /// The corpus to write (text, or a token file when `tokens`).
    public var output: URL
    /// Write a token file instead of text.
    public var tokens = false
    /// Fraction of documents (0..<1) held out into `validationOutput`, chosen by a hash of
    /// each document's text, so the same corpus always splits the same way.
    public var validationFraction = 0.0
    /// Where held-out documents go; default `NAME.validation.EXT` beside `output`.
    public var validationOutput: URL?
    public var importing = ImportOptions()
    public var shaping = ShapingOptions()
    /// Documents shorter than this many characters (after scrubbing) are dropped.
    public var minimumLength = 1
    public var duplicates = DuplicateFilter.Mode.exact
    /// Replace personal details (`PIIScrubber`); nil to leave text as it is.
    public var scrubber: PIIScrubber?
    /// Replace existing output files.
    public var force = false
    /// Threads that encode tokens.
    public var threads = ProcessInfo.processInfo.activeProcessorCount

    public init(inputs: [URL], output: URL) {
        self.inputs = inputs
        self.output = output
    }

    /// The held-out file: `validationOutput`, or `train.validation.txt` for `train.txt`.
    public var resolvedValidationOutput: URL? {
        guard validationFraction > 0 else { return nil }
        if let validationOutput { return validationOutput }
        let ext = output.pathExtension
        let stem = output.deletingPathExtension().lastPathComponent
        return output.deletingLastPathComponent()
            .appendingPathComponent(ext.isEmpty ? "\(stem).validation" : "\(stem).validation.\(ext)")
    }

    /// Parses a duration such as `90s`, `30m`, `6h` or `2d` into seconds.
    public static func parseDuration(_ text: String, option: String) throws -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let value = Double(text.dropLast()), value >= 0,
              value.isFinite else {
            throw DatasetError.badOption(name: option, value: text, expected: "a number followed by s, m, h or d, such as 6h")
        }
        return value * unit
    }

    /// Parses a day `YYYY-MM-DD` (UTC) into its first moment.
    public static func parseDay(_ text: String, option: String) throws -> Date {
        let parts = text.split(separator: "-").map { Int($0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2],
              let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day
        else {
            throw DatasetError.badOption(name: option, value: text, expected: "a date YYYY-MM-DD such as 2024-01-31")
        }
        return date
    }
}
