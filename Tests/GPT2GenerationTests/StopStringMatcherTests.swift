import GPT2Generation
import Testing

struct StopStringMatcherTests {
    /// Feeds `chunks` and returns every emitted piece (the last one from `finish()` when no stop
    /// was found) and whether a stop was found.
    static func stream(_ stops: [String], _ chunks: [String]) -> (pieces: [String], stopped: Bool) {
        var matcher = StopStringMatcher(stops: stops)
        var pieces: [String] = []
        for chunk in chunks {
            let (emit, stopped) = matcher.append(chunk)
            pieces.append(emit)
            if stopped { return (pieces, true) }
        }
        pieces.append(matcher.finish())
        return (pieces, false)
    }

    @Test func noStops_passesTextThrough() {
        #expect(Self.stream([], ["Hello", ", world"]) == (["Hello", ", world", ""], false))
    }

    @Test func stopInsideOneChunk_emitsTextBeforeIt() {
        #expect(Self.stream(["\n\n"], ["one\n\ntwo"]) == (["one"], true))
    }

    @Test func stopAcrossChunkBoundaries_isFound_andItsStartHeldBack() {
        let result = Self.stream(["END"], ["The E", "N", "D of it"])
        #expect(result == (["The ", "", ""], true))
    }

    @Test func heldBackPrefix_isReleased_whenItTurnsOutNotToMatch() {
        let result = Self.stream(["END"], ["The E", "N", "ding"])
        #expect(result == (["The ", "", "ENding", ""], false))
    }

    @Test func heldBackPrefix_isFlushedByFinish() {
        #expect(Self.stream(["END"], ["stop at EN"]) == (["stop at ", "EN"], false))
    }

    @Test func stopAtTheVeryStart_emitsNothing() {
        #expect(Self.stream(["User:"], ["User:", " hi"]) == ([""], true))
        #expect(Self.stream(["User:"], ["Us", "er: hi"]) == (["", ""], true))
    }

    @Test func multipleStops_earliestWins() {
        #expect(Self.stream(["world", "lo"], ["hello world"]) == (["hel"], true))
        var matcher = StopStringMatcher(stops: ["b", "abc"])
        #expect(matcher.append("xab") == ("xa", true))
        #expect(matcher.matchedStop == "b")
    }

    /// "abcd" is still possible when "c" completes: the complete match is reported at once, as a
    /// per-token stop check would end the generation there.
    @Test func overlappingStops_firstCompleteMatchEndsTheText() {
        #expect(Self.stream(["abcd", "c"], ["ab", "c", "d"]) == (["", "ab"], true))
        // Both complete in the same chunk: the earlier start wins.
        #expect(Self.stream(["abcd", "c"], ["ab", "cd"]) == (["", ""], true))
        // A stop that overlaps itself: "aab" inside "aaab".
        #expect(Self.stream(["aab"], ["a", "a", "a", "b!"]) == (["", "", "a", ""], true))
    }

    @Test func afterStop_furtherTextIsIgnored() {
        var matcher = StopStringMatcher(stops: ["x"])
        #expect(matcher.append("ax") == ("a", true))
        #expect(matcher.isStopped)
        #expect(matcher.append("more") == ("", true))
        #expect(matcher.finish() == "")
    }

    @Test func unicode_matchesAcrossChunks_andEmitsWholeCharacters() {
        // "日本" split between chunks; the emoji stop shares no prefix with the text before it.
        #expect(Self.stream(["日本"], ["こんにちは日", "本語"]) == (["こんにちは", ""], true))
        #expect(Self.stream(["👋🏽"], ["hi 👋", "🏽 there"]) == (["hi ", ""], true))
        // A held "é" (2 bytes) is released whole when the stop "éa" does not follow.
        #expect(Self.stream(["éa"], ["café", "!"]) == (["caf", "é!", ""], false))
    }

    /// Matching is on exact UTF-8 bytes, without normalization: a precomposed "é" does not
    /// contain "e", a decomposed one does.
    @Test func unicode_matchesExactBytesWithoutNormalization() {
        #expect(Self.stream(["e"], ["caf\u{E9}"]) == (["caf\u{E9}", ""], false))
        #expect(Self.stream(["e"], ["cafe\u{301}"]) == (["caf"], true))
    }

    @Test func emptyStops_areIgnored() {
        #expect(Self.stream([""], ["text"]) == (["text", ""], false))
    }

    /// Text appended while stops are not allowed (before minTokens) is emitted whole, and no stop
    /// may start inside it, even one that completes later.
    @Test func stopNotAllowed_emitsText_andNoStopStartsInIt() {
        var matcher = StopStringMatcher(stops: ["\n\n"])
        #expect(matcher.append("\n\n", stopAllowed: false) == ("\n\n", false))
        #expect(matcher.append("\n", stopAllowed: false) == ("\n", false))
        #expect(matcher.append("\nText\n") == ("\nText", false))
        #expect(matcher.append("\nmore") == ("", true))
    }

    @Test func streamedPieces_concatenateToTheWholeTextBeforeTheStop() {
        let text = "The quick brown fox. Jumps over the lazy dog.\n\nNext paragraph"
        let stops = ["\n\n", "lazy cat", "dog!"]
        for size in 1...7 {
            var chunks: [String] = []
            var rest = Substring(text)
            while !rest.isEmpty {
                chunks.append(String(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            let result = Self.stream(stops, chunks)
            #expect(result.stopped)
            #expect(result.pieces.joined() == "The quick brown fox. Jumps over the lazy dog.")
        }
    }
}
