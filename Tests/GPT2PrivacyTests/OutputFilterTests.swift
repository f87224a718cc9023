import Foundation
import GPT2Generation
import GPT2Model
import GPT2Privacy
import GPT2Tokenizer
import Testing

/// The output filter on realistic generated text, whole and streamed in every split.
@Suite struct OutputFilterTests {
    static let message = """
        Thanks for reaching out! You can email me at jane.doe@example.org or call +1 (555) 123-4567 \
        after 6pm. Priya Raman from the Leeds office (@priya_r on Twitter) will send the slides via \
        https://files.example.com/q3-report.pdf?dl=1 tomorrow. Meeting on 2024-01-31, room 12.
        """
    static let scrubber = PIIScrubber(names: ["Priya Raman"])

    /// Feeds `text` in pieces cut at `cuts` (UTF-16 offsets) and returns the released text.
    static func streamed(_ text: String, cuts: [Int], mode: OutputFilterMode) -> (String, OutputFilter) {
        var filter = OutputFilter(mode: mode, scrubber: scrubber)
        let source = text as NSString
        var out = ""
        var last = 0
        for cut in cuts + [source.length] where cut > last {
            out += filter.append(source.substring(with: NSRange(location: last, length: cut - last)))
            last = cut
        }
        out += filter.finish()
        return (out, filter)
    }

    @Test func redaction_findsEveryDetail_andKeepsTheRest() {
        let (whole, counts) = Self.scrubber.scrub(Self.message)
        #expect(whole == """
            Thanks for reaching out! You can email me at [EMAIL] or call [PHONE] \
            after 6pm. [NAME] from the Leeds office ([HANDLE] on Twitter) will send the slides via \
            [URL] tomorrow. Meeting on 2024-01-31, room 12.
            """)
        #expect(counts == [.email: 1, .phone: 1, .name: 1, .handle: 1, .url: 1])
    }

    @Test func streaming_givesTheWholeTextsResult_forEverySplit() {
        let expected = Self.scrubber.scrub(Self.message).text
        let length = (Self.message as NSString).length
        for cut in 1..<length {
            #expect(Self.streamed(Self.message, cuts: [cut], mode: .redact).0 == expected, "cut at \(cut)")
        }
        // Token-sized pieces, as a generation releases them.
        let tokenizer = try! BPETokenizer.gpt2()
        var offsets: [Int] = []
        var total = 0
        for id in tokenizer.encode(Self.message) {
            total += (tokenizer.decode([id]) as NSString).length
            offsets.append(total)
        }
        let (out, filter) = Self.streamed(Self.message, cuts: offsets, mode: .redact)
        #expect(out == expected)
        #expect(filter.counts == [.email: 1, .phone: 1, .name: 1, .handle: 1, .url: 1] && !filter.rejected)
    }

    @Test func streaming_holdsBackOnlyTheLastFewWords() {
        var filter = OutputFilter(mode: .redact, scrubber: PIIScrubber())
        let words = (1...30).map { "word\($0) " }.joined()
        let released = filter.append(words)
        #expect(released.hasPrefix("word1 ") && words.hasPrefix(released) && released.count < words.count)
        #expect(released + filter.finish() == words)
        var off = OutputFilter(mode: .off, scrubber: PIIScrubber())
        #expect(off.append(Self.message) == Self.message && off.finish().isEmpty)
    }

    @Test func reject_endsBeforeTheFirstDetail() {
        for cut in [10, 45, 60, 100] {
            let (out, filter) = Self.streamed(Self.message, cuts: [cut], mode: .reject)
            #expect(out == "Thanks for reaching out! You can email me at ", "cut at \(cut)")
            #expect(filter.rejected && filter.counts == [.email: 1])
        }
        let (clean, filter) = Self.streamed("Nothing personal here, just weather.", cuts: [7], mode: .reject)
        #expect(clean == "Nothing personal here, just weather." && !filter.rejected && filter.counts.isEmpty)
    }

    @Test func inAGeneration_rejectionEndsTheTextWithContentFilter() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let config = GPT2Config(vocabSize: 50257, contextLength: 256, embeddingSize: 8, layerCount: 1, headCount: 2)
        let script = tokenizer.encode(" Write to bob@example.com and all will be fine, said the note on the door.")
        func run(_ mode: OutputFilterMode, request: OutputFilterMode? = nil) throws -> GenerationState {
            var state = try GenerationState(
                promptIDs: [464], parameters: GenerateParameters(maxTokens: script.count, temperature: 0, outputFilter: request),
                config: config, tokenizer: tokenizer, guards: PrivacyGuards(outputFilter: mode))
            var emitted = ""
            while !state.isFinished {
                var row = [Float](repeating: 0, count: 50257)
                row[script[state.generated.count]] = 10
                emitted += try row.withUnsafeMutableBufferPointer { try state.step(logits: $0) }.text
            }
            #expect(emitted == state.text)
            return state
        }
        let rejected = try run(.reject)
        #expect(rejected.finishReason == .contentFilter && rejected.text == " Write to ")
        #expect(rejected.privacy.rejected && rejected.privacy.redactions == [.email: 1])
        let redacted = try run(.redact)
        #expect(redacted.finishReason == .length && redacted.text == " Write to [EMAIL] and all will be fine, said the note on the door.")
        // A request may make the server's filter stricter, not looser.
        #expect(try run(.redact, request: .reject).finishReason == .contentFilter)
        #expect(try run(.reject, request: .off).finishReason == .contentFilter)
        #expect(try run(.off, request: .redact).text.contains("[EMAIL]"))
        #expect(!(try run(.off)).isGuarded)
    }
}
