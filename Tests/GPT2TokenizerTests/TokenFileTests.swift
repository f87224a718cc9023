import Foundation
import GPT2Tokenizer
import Testing

@Suite("TokenFile")
struct TokenFileTests {
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The layout written out by hand: magic, version 1, vocabulary 50257, 2 documents, 5 tokens.
    static let expectedBytes: [UInt8] = Array("GPT2TOK1".utf8)
        + [1, 0, 0, 0]
        + [0x51, 0xC4, 0, 0]
        + [2, 0, 0, 0, 0, 0, 0, 0]
        + [5, 0, 0, 0, 0, 0, 0, 0]
        + [0x10, 0x27, 0x00, 0x00, 0x50, 0xC4]  // 10000, 0, 50256
        + [0x01, 0x00, 0x50, 0xC4]  // 1, 50256

    @Test func writer_producesTheDocumentedLayout() throws {
        let url = try temporaryFolder().appendingPathComponent("train.tok")
        let writer = try TokenFileWriter(url: url, vocabularySize: 50257, endOfTextID: 50256)
        try writer.append(document: [10000, 0])
        try writer.append(document: [1])
        #expect(!FileManager.default.fileExists(atPath: url.path))  // nothing until finish
        try writer.finish()
        #expect(Array(try Data(contentsOf: url)) == Self.expectedBytes)
        // The temporary file is gone: only the destination is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["train.tok"])
    }

    @Test func reader_mapsIdsAndDocumentStarts() throws {
        let url = try temporaryFolder().appendingPathComponent("a.tok")
        try Data(Self.expectedBytes).write(to: url)
        let file = try TokenFile(contentsOf: url)
        #expect(file.vocabularySize == 50257)
        #expect(file.documentCount == 2)
        #expect(file.tokenCount == 5)
        #expect(Array(file.tokens) == [10000, 0, 50256, 1, 50256])
        #expect(file.documentStarts(endOfTextID: 50256) == [0, 3])
    }

    @Test func roundTrip_manyDocumentsAcrossBufferFlushes() throws {
        let url = try temporaryFolder().appendingPathComponent("big.tok")
        let writer = try TokenFileWriter(url: url, vocabularySize: 50257, endOfTextID: 50256)
        var expected: [UInt16] = []
        var state: UInt64 = 7
        for _ in 0..<3000 {
            var document: [Int] = []
            for _ in 0..<300 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                document.append(Int(state >> 33) % 50256)
            }
            try writer.append(document: document)
            expected += document.map(UInt16.init) + [50256]
        }
        try writer.finish()
        let file = try TokenFile(contentsOf: url)
        #expect(file.documentCount == 3000)
        #expect(Array(file.tokens) == expected)
    }

    @Test func cancelledOrDroppedWriter_leavesNothingBehind() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("x.tok")
        try Data("old".utf8).write(to: url)
        do {
            let writer = try TokenFileWriter(url: url, vocabularySize: 50257, endOfTextID: 50256)
            try writer.append(document: [1, 2, 3])
            writer.cancel()
        }
        do {
            let writer = try TokenFileWriter(url: url, vocabularySize: 50257, endOfTextID: 50256)
            try writer.append(document: [1, 2, 3])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["x.tok"])
        #expect(try Data(contentsOf: url) == Data("old".utf8))
    }

    @Test func writer_rejectsIdsOutsideTheVocabulary() throws {
        let url = try temporaryFolder().appendingPathComponent("bad.tok")
        let writer = try TokenFileWriter(url: url, vocabularySize: 100, endOfTextID: 99)
        #expect(throws: TokenFileError.idOutOfRange(file: url, index: 1, id: 100, vocabularySize: 100)) {
            try writer.append(document: [5, 100])
        }
    }

    @Test func reader_rejectsCorruptFilesNamingTheFile() throws {
        let folder = try temporaryFolder()
        func check(_ bytes: [UInt8], _ expected: TokenFileError) throws {
            let url = folder.appendingPathComponent("c-\(UUID().uuidString).tok")
            try Data(bytes).write(to: url)
            var expected = expected
            switch expected {
            case .badMagic: expected = .badMagic(file: url)
            case let .truncatedHeader(_, size): expected = .truncatedHeader(file: url, size: size)
            case let .unsupportedVersion(_, version): expected = .unsupportedVersion(file: url, version: version)
            case let .sizeMismatch(_, count, size): expected = .sizeMismatch(file: url, tokenCount: count, size: size)
            case let .idOutOfRange(_, index, id, vocabulary):
                expected = .idOutOfRange(file: url, index: index, id: id, vocabularySize: vocabulary)
            default: break
            }
            #expect(throws: expected) { try TokenFile(contentsOf: url) }
            #expect(expected.localizedDescription.contains(url.path))
        }
        let good = Self.expectedBytes
        let placeholder = URL(fileURLWithPath: "/")
        try check(Array(good[0..<20]), .truncatedHeader(file: placeholder, size: 20))
        try check([UInt8](repeating: 65, count: 8) + good[8...], .badMagic(file: placeholder))
        var version2 = good
        version2[8] = 2
        try check(version2, .unsupportedVersion(file: placeholder, version: 2))
        try check(Array(good.dropLast(2)), .sizeMismatch(file: placeholder, tokenCount: 5, size: 40))
        var badID = good
        badID[34] = 0xFF
        badID[35] = 0xFF  // token 1 becomes 65535
        try check(badID, .idOutOfRange(file: placeholder, index: 1, id: 65535, vocabularySize: 50257))
    }

    @Test func emptyFile_hasNoDocuments() throws {
        let url = try temporaryFolder().appendingPathComponent("empty.tok")
        let writer = try TokenFileWriter(url: url, vocabularySize: 50257, endOfTextID: 50256)
        try writer.finish()
        let file = try TokenFile(contentsOf: url)
        #expect(file.tokenCount == 0 && file.documentCount == 0)
        #expect(file.documentStarts(endOfTextID: 50256) == [])
    }
}
