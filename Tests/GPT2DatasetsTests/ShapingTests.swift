import Foundation
import Testing
@testable import GPT2Datasets
import GPT2Privacy

@Suite("Shaping, duplicates and scrubbing")
struct ShapingTests {
    static func message(_ sender: String, _ minute: Double, _ text: String, in conversation: String = "c") -> ChatMessage {
        ChatMessage(conversation: conversation, sender: sender, date: Date(timeIntervalSince1970: minute * 60), text: text)
    }

    static func shape(_ messages: [ChatMessage], _ options: ShapingOptions) throws -> ([String], ConversationShaper) {
        var documents: [String] = []
        let shaper = ConversationShaper(options: options) { documents.append($0) }
        for message in messages { try shaper.add(message) }
        try shaper.finish()
        return (documents, shaper)
    }

    static let chat = [
        message("Ann", 0, "hi"), message("Ben", 1, "hello"), message("Ann", 2, "lunch?"), message("Cy", 3, "me too"),
        message("Cy", 200, "later"), message("Ann", 201, "ok"),
        message("Ben", 202, "other chat", in: "d"),
    ]

    @Test func gapAndConversation_startNewDocuments() throws {
        var options = ShapingOptions()
        options.gap = 60 * 60
        let (documents, shaper) = try Self.shape(Self.chat, options)
        #expect(documents == ["Ann: hi\nBen: hello\nAnn: lunch?\nCy: me too", "Cy: later\nAnn: ok", "Ben: other chat"])
        #expect(shaper.messagesPerSpeaker == ["Ann": 3, "Ben": 2, "Cy": 2])
    }

    @Test func speaker_keepsContextUpToTheirLastLine_orTheirLinesAlone() throws {
        var options = ShapingOptions()
        options.gap = 60 * 60
        options.speaker = "ann"
        let (withContext, shaper) = try Self.shape(Self.chat, options)
        #expect(withContext == ["Ann: hi\nBen: hello\nAnn: lunch?", "Cy: later\nAnn: ok"])
        #expect(shaper.dropped == ["document without the speaker": 1])
        options.speakerOnly = true
        #expect(try Self.shape(Self.chat, options).0 == ["Ann: hi\nAnn: lunch?", "Ann: ok"])
    }

    @Test func dateRange_dropsMessagesOutsideIt() throws {
        var options = ShapingOptions()
        options.since = Date(timeIntervalSince1970: 60)
        options.until = Date(timeIntervalSince1970: 200 * 60)
        let (documents, shaper) = try Self.shape(Self.chat, options)
        #expect(documents == ["Ben: hello\nAnn: lunch?\nCy: me too"])
        #expect(shaper.dropped == ["message outside the date range": 4])
    }

    @Test func duplicates_exactAndNear() {
        let base = (0..<120).map { "word\($0 % 37)x\($0)" }.joined(separator: " ")
        let nearCopy = base.replacingOccurrences(of: "word5x5 ", with: "changed ")
        let unrelated = (0..<120).map { "other\($0)" }.joined(separator: " ")
        var exact = DuplicateFilter(mode: .exact)
        #expect(exact.check(base) == .unique)
        #expect(exact.check("  " + base + "\n") == .exactDuplicate)
        #expect(exact.check(nearCopy) == .unique)
        var near = DuplicateFilter(mode: .near)
        #expect(near.check(base) == .unique)
        #expect(near.check(base) == .exactDuplicate)
        #expect(near.check(nearCopy.uppercased()) == .nearDuplicate)
        #expect(near.check(unrelated) == .unique)
        #expect(near.check("short one") == .unique)
        #expect(near.check("Short, ONE!") == .nearDuplicate)  // same words: same single shingle
        var none = DuplicateFilter(mode: .none)
        #expect(none.check(base) == .unique && none.check(base) == .unique)
    }

    @Test func scrubber_replacesAndCountsEachCategory() {
        let scrubber = PIIScrubber(names: ["Priya Raman", "Tom", ""])
        let text = "Mail priya.r@example.co.uk or see https://example.com/a?b=1, ping @tom_k or tom, "
            + "call +1 (555) 123-4567 or 030 1234 5678 or 555-0199. Priya Raman met Tomas on 2024-01-31 at 10:15, "
            + "room 42, 1,000,000 views, version 1.2.3."
        let (scrubbed, counts) = scrubber.scrub(text)
        #expect(scrubbed == "Mail [EMAIL] or see [URL], ping [HANDLE] or [NAME], "
            + "call [PHONE] or [PHONE] or [PHONE]. [NAME] met Tomas on 2024-01-31 at 10:15, "
            + "room 42, 1,000,000 views, version 1.2.3.")
        #expect(counts == [.email: 1, .url: 1, .handle: 1, .phone: 3, .name: 2])
        #expect(PIIScrubber().scrub("nothing here").counts.isEmpty)
    }
}
