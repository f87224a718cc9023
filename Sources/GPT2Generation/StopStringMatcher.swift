/// Streams generated text through stop strings with OpenAI's semantics: the generation ends at
/// the first occurrence of any stop string; the text before it is emitted, the stop string and
/// anything after it are not.
///
/// Text that could be the start of a stop string is held back until the following text decides
/// it: released when it turns out not to match, dropped when it completes a stop string. So
/// the emitted chunks, followed by ``finish()``, concatenate to exactly the text a non-streaming
/// caller would return.
///
/// Matching is on the exact UTF-8 bytes (no Unicode normalization): a stop string is found
/// wherever its bytes occur, including across chunk boundaries. Because both texts are valid
/// UTF-8, matches start and end on Unicode scalar boundaries, so every emitted chunk is valid
/// text. A match is reported as soon as it is complete; among complete matches the earliest
/// start wins, and among stop strings starting there, the first listed.
///
/// `minTokens` support: text appended with `stopAllowed: false` (the first tokens of a
/// generation) is emitted at once, and no stop string may start before its end.
public struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    private let longestStop: Int
    private var held: [UInt8] = []
    /// How many leading bytes of `held` no match may start in.
    private var protectedCount = 0

    /// Whether a stop string has been found; later text is ignored.
    public private(set) var isStopped = false

    /// The stop string that ended the text, once ``isStopped``.
    public private(set) var matchedStop: String?

    /// Creates a matcher; empty stop strings are ignored (they would match everywhere).
    public init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        longestStop = self.stops.map(\.count).max() ?? 0
    }

    /// Feeds the next piece of generated text.
    ///
    /// - Parameters:
    ///   - text: the text the newest token(s) added (any length, possibly empty).
    ///   - stopAllowed: `false` while the generation has fewer than `minTokens` tokens: this text
    ///     is emitted whole, and no stop string may start before its end.
    /// - Returns: `emit`, the text now known to be output (possibly empty), and `stopped`, whether
    ///   a stop string has been found (the generation should end; `emit` is the last text).
    public mutating func append(_ text: String, stopAllowed: Bool = true) -> (emit: String, stopped: Bool) {
        if isStopped { return ("", true) }
        if stops.isEmpty { return (text, false) }
        held.append(contentsOf: text.utf8)
        let floor = stopAllowed ? protectedCount : held.count

        if let (start, which) = earliestMatch(from: floor) {
            let emit = String(decoding: held[..<start], as: UTF8.self)
            isStopped = true
            matchedStop = String(decoding: stops[which], as: UTF8.self)
            held.removeAll()
            protectedCount = 0
            return (emit, true)
        }
        let keepFrom = earliestPartialMatch(from: floor) ?? held.count
        let emit = String(decoding: held[..<keepFrom], as: UTF8.self)
        held.removeSubrange(..<keepFrom)
        protectedCount = 0
        return (emit, false)
    }

    /// Ends the stream for another reason (end-of-text, length): returns the held-back text, which
    /// turned out not to be a stop string. Returns `""` after a stop.
    public mutating func finish() -> String {
        if isStopped { return "" }
        let rest = String(decoding: held, as: UTF8.self)
        held.removeAll()
        protectedCount = 0
        return rest
    }

    /// The first position `>= floor` where a whole stop string occurs in `held`, and which one.
    private func earliestMatch(from floor: Int) -> (start: Int, stop: Int)? {
        let n = held.count
        var start = floor
        while start < n {
            for (j, stop) in stops.enumerated() where start + stop.count <= n && matches(stop, at: start, length: stop.count) {
                return (start, j)
            }
            start += 1
        }
        return nil
    }

    /// The first position `>= floor` from which the rest of `held` is a proper prefix of a stop
    /// string, so it must wait for more text.
    private func earliestPartialMatch(from floor: Int) -> Int? {
        let n = held.count
        // A proper prefix is shorter than the longest stop string.
        var start = max(floor, n - longestStop + 1)
        while start < n {
            let length = n - start
            for stop in stops where length < stop.count && matches(stop, at: start, length: length) {
                return start
            }
            start += 1
        }
        return nil
    }

    /// Whether `held[start..<start+length]` equals the first `length` bytes of `stop`.
    @inline(__always)
    private func matches(_ stop: [UInt8], at start: Int, length: Int) -> Bool {
        for i in 0..<length where held[start + i] != stop[i] { return false }
        return true
    }
}
