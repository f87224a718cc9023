import Foundation
import Testing
@testable import GPT2Datasets

@Suite("Chat importers")
struct ChatImporterTests {
    @Test func whatsAppAndroid_dayFirstCRLF_skipsSystemMediaDeletedAndSplitsOnGap() throws {
        let (documents, skipped) = try Fixture.documents(WhatsAppImporter(), "whatsapp-android.txt")
        #expect(documents == [
            "Layla: Who is driving on Saturday?\nTom: I can drive 👍🏽\nLeaving at 8, bring snacks\nLayla: مرحبا بالجميع",
            "Tom: Anyone up for dinner?\nLayla: 👩‍👩‍👧 yes, with the kids",
        ])
        #expect(skipped == ["system message": 3, "media": 1, "deleted message": 1])
    }

    @Test func whatsAppIOS_monthFirst12HourWithMarks_readsMultilineAcrossMidnight() throws {
        let (documents, skipped) = try Fixture.documents(WhatsAppImporter(), "whatsapp-ios.txt")
        #expect(documents == ["Sam: Did you see the game?\nKim: Yes!! What a finish\nSam: Going to bed\nNight!"])
        #expect(skipped == ["system message": 1, "media": 2])
    }

    @Test func whatsAppSpanish_aDotMDotClockAndTwoDigitYears() throws {
        let (documents, skipped) = try Fixture.documents(WhatsAppImporter(), "whatsapp-es.txt")
        #expect(documents == ["Ana: Hola, ¿cómo estás?\nLuis: Bien, ¿y tú?", "Ana: Nos vemos mañana"])
        #expect(skipped == ["media": 1, "deleted message": 1])
    }

    @Test func whatsApp_dateOrderAndClock() throws {
        let pm = try #require(WhatsAppImporter.parseHeader("1/2/24, 12:30\u{202F}p.\u{00A0}m. - A: x", lineNumber: 1))
        #expect(pm.hour == 12 && pm.minute == 30)
        let midnight = try #require(WhatsAppImporter.parseHeader("[2024-02-01, 12:05:09 AM] A: x", lineNumber: 1))
        #expect(midnight.hour == 0 && midnight.second == 9 && midnight.fromIOS)
        #expect(WhatsAppImporter.inferOrder([midnight]) == .yearMonthDay)
        let utc = TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let date = try #require(WhatsAppImporter.date(midnight, order: .yearMonthDay))
        #expect(calendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: 2024, month: 2, day: 1))
        #expect(WhatsAppImporter.parseHeader("Just some text - A: x", lineNumber: 1) == nil)
        // Ambiguous dates: the order that keeps time moving forward wins (1 Mar, 2 Mar, 1 Apr as m/d;
        // as d/m they would be 3 Jan, 3 Feb, 4 Jan).
        let entries = ["3/1/24, 10:00 - A: x", "3/2/24, 10:00 - A: y", "4/1/24, 10:00 - A: z"]
            .compactMap { WhatsAppImporter.parseHeader($0, lineNumber: 1) }
        #expect(WhatsAppImporter.inferOrder(entries) == .monthDayYear)
    }

    @Test func whatsApp_textBeforeTheFirstMessage_namesTheLine() throws {
        let url = try Fixture.write("hello there\n12/03/2024, 09:02 - A: hi\n", name: "chat.txt")
        #expect(throws: DatasetError.malformed(file: url.path, location: "line 1",
                                               expected: "a WhatsApp message line such as \"31/12/2020, 22:15 - Name: text\"",
                                               found: "\"hello there\"")) {
            try WhatsAppImporter().read(url, into: RecordSink { _ in })
        }
    }

    static let slackDocuments = [
        "alice.c: Morning @Bob Okafor! Release notes are at the wiki & the deploy is at 10 > 9",
        "Bob Okafor: See #general for the schedule\nalice.c: מעולה, thanks",
        "alice.c: Morning @Bob Okafor! Release notes are at the wiki & the deploy is at 10 > 9\nBob Okafor: Thanks, reading now\nalice.c: Ping @here when done :tada:",
        "Bob Okafor: Lunch?\nalice.c: Sure, 12:30 bob@example.com",
    ]

    @Test func slackFolder_resolvesUsersThreadsMarkupAndSkipsJoinsBotsFiles() throws {
        let (documents, skipped) = try Fixture.documents(SlackExportImporter(), "slack")
        #expect(documents == Self.slackDocuments)
        #expect(skipped == ["system message": 1, "bot message": 1, "media": 1])
    }

    @Test func slackZip_readsTheSameAsTheFolder_orSaysUnzipIsMissing() throws {
        let hasUnzip = FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip")
        if hasUnzip {
            #expect(try Fixture.documents(SlackExportImporter(), "slack-export.zip").documents == Self.slackDocuments)
        } else {
            #expect(throws: DatasetError.self) { try Fixture.documents(SlackExportImporter(), "slack-export.zip") }
        }
    }

    @Test func telegramChat_joinsEntityArraysAndSkipsServiceAndPhotos() throws {
        let (documents, skipped) = try Fixture.documents(TelegramImporter(), "telegram-chat.json")
        #expect(documents == [
            "Maya Levi: Did you get the tickets? 🎟️\nJonas: Yes, here: https://tickets.example.org/abc and row 12",
            "Maya Levi: שבוע טוב!",
        ])
        #expect(skipped == ["service message": 1, "media": 1])
    }

    @Test func telegramFullExport_readsEveryChatInTheList() throws {
        let (documents, skipped) = try Fixture.documents(TelegramImporter(), "telegram-full.json")
        #expect(documents == ["Rui: Next book: Dune\nuser444: I'm in", "Jonas: ssh pi@garden"])
        #expect(skipped == ["service message": 1])
    }

    @Test func telegram_wrongTypeNamesTheJSONPath() throws {
        let url = try Fixture.write(#"{"name": "x", "messages": [{"type": "message", "from": "A", "text": 5}]}"#, name: "result.json")
        #expect(throws: DatasetError.malformed(file: url.path, location: "$.messages[0].text",
                                               expected: "a string or an array of strings and entities",
                                               found: "a number 5")) {
            try TelegramImporter().read(url, into: RecordSink { _ in })
        }
    }

    @Test func facebookMessenger_repairsMojibakeAndSortsOldestFirst() throws {
        let (documents, skipped) = try Fixture.documents(FacebookImporter(), "facebook-message_1.json")
        #expect(documents == ["Zoë Müller: Schöne Grüße aus Köln!\nKai Tanaka: See you at the café ☕ 😀"])
        #expect(skipped == ["deleted message": 1, "media": 1])
    }

    @Test func facebookPosts_eachPostIsADocumentAndCorrectTextIsKept() throws {
        let (documents, skipped) = try Fixture.documents(FacebookImporter(), "facebook-posts.json")
        #expect(documents == ["Première neige à Montréal ❄️", "Already correct: café, naïve, Ü"])
        #expect(skipped == ["media": 1])
    }

    @Test func mojibake_repairsOnlyWhatIsBroken() {
        #expect(Mojibake.repair("caf\u{C3}\u{A9}") == "café")
        #expect(Mojibake.repair("café") == "café")  // a lone U+00E9 is not valid UTF-8 as a byte
        #expect(Mojibake.repair("plain") == "plain")
        #expect(Mojibake.repair("\u{C3}\u{A9} and ✓") == "\u{C3}\u{A9} and ✓")  // above U+00FF: already decoded
    }

    @Test func smsBackup_surrogatePairReferencesMMSPartsAndContacts() throws {
        let (documents, skipped) = try Fixture.documents(SMSBackupImporter(), "sms-backup.xml")
        #expect(documents == [
            "Priya: Running late, 10 min 😎\nMe: No worries & drive safe\nsee you soon\nPriya: Parking here 👍🏽",
            "+15559870002: Your code is 123456",
        ])
        #expect(skipped == ["draft or failed message": 1, "media": 1])
    }

    @Test func xmlEntities_loneSurrogatesBecomeReplacementCharacters() {
        #expect(XMLTagScanner.decodeEntities("a&#55357;b&#56846;&lt;&#x41;&unknown;") == "a\u{FFFD}b\u{FFFD}<A&unknown;")
    }
}
