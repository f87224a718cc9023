import Foundation
import Testing
@testable import GPT2Datasets

@Suite("Format detection")
struct FormatDetectorTests {
    @Test func everyFixture_isRecognisedFromItsContent() throws {
        let expected: [(String, DatasetFormat)] = [
            ("whatsapp-android.txt", .whatsapp), ("whatsapp-ios.txt", .whatsapp), ("whatsapp-es.txt", .whatsapp),
            ("slack", .slack), ("slack-export.zip", .slack), ("telegram-chat.json", .telegram),
            ("telegram-full.json", .telegram), ("facebook-message_1.json", .facebook), ("facebook-posts.json", .facebook),
            ("sms-backup.xml", .sms), ("reviews.csv", .csv), ("posts.jsonl", .jsonl), ("notes.txt", .text),
        ]
        for (name, format) in expected {
            #expect(try FormatDetector.detect(Fixture.url(name)) == format, "\(name)")
        }
    }

    @Test func contentBeatsTheExtension() throws {
        #expect(try FormatDetector.detect(Fixture.write("id,text\n1,hello\n", name: "data.txt")) == .csv)
        #expect(try FormatDetector.detect(Fixture.write("Hello, world\nand more\n", name: "prose.txt")) == .text)
        #expect(try FormatDetector.detect(Fixture.write("{\"text\": \"a\"}\n{\"text\": \"b\"}\n", name: "x.json")) == .jsonl)
    }

    @Test func unknownContent_listsTheKnownFormats() throws {
        let url = try Fixture.temporaryFolder().appendingPathComponent("blob.bin")
        try Data([0x00, 0x01, 0x02, 0xFF]).write(to: url)
        #expect(throws: DatasetError.unknownFormat(file: url.path)) { try FormatDetector.detect(url) }
        let message = DatasetError.unknownFormat(file: url.path).localizedDescription
        #expect(message.contains("text, csv, jsonl, whatsapp, slack, telegram, facebook, sms"))
        #expect(throws: DatasetError.unknownFormatName("docx")) { try DatasetFormat(name: "docx") }
        let folder = try Fixture.temporaryFolder()
        #expect(throws: DatasetError.unknownFormat(file: folder.path)) { try FormatDetector.detect(folder) }
    }
}
