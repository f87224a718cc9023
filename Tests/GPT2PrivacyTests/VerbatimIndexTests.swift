import Foundation
import GPT2Privacy
import Testing

/// The index file: built, written, mapped back, asked about windows, runs and positions.
@Suite struct VerbatimIndexTests {
    static let eot = 50256

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vidx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Two sources: "a.txt" with two documents, "b.tokens" with one.
    static func build(window: Int = 4) throws -> (VerbatimIndex, URL, [[Int]]) {
        let a = Array(100..<120) + [eot] + Array(200..<210) + [eot]
        let b = Array(300..<330)
        var builder = try VerbatimIndexBuilder(window: window, endOfTextID: eot)
        try builder.add(ids: a, source: "a.txt")
        try builder.add(ids: b, source: "b.tokens")
        let url = try folder().appendingPathComponent(VerbatimIndex.fileName)
        let summary = try builder.write(to: url)
        // Windows inside documents only: 17 + 7 + 27.
        #expect(summary.entries == 51 && summary.tokens == a.count + b.count && summary.documents == 3)
        #expect(summary.bytes == (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int))
        return (try VerbatimIndex.load(url), url, [a, b])
    }

    @Test func everyWindowOfTheTrainingText_isFound_atItsPosition() throws {
        let (index, _, sources) = try Self.build()
        #expect(index.window == 4 && index.entryCount == 51 && index.documentCount == 3)
        let stream = sources[0] + sources[1]
        for start in 0...(stream.count - 4) {
            let window = Array(stream[start..<(start + 4)])
            if window.contains(Self.eot) {
                #expect(index.position(ofWindow: window) == nil)
            } else {
                #expect(index.position(ofWindow: window) == start)
            }
        }
        // A window that crosses from one source into the next was never in the text.
        #expect(index.position(ofWindow: [208, 209, 300, 301]) == nil)
        #expect(index.position(ofWindow: [100, 101, 102, 104]) == nil)
    }

    @Test func positions_areNamedByFileDocumentAndToken() throws {
        let (index, _, _) = try Self.build()
        #expect(index.locate(0) == .init(source: "a.txt", document: 1, token: 0))
        #expect(index.locate(23) == .init(source: "a.txt", document: 2, token: 2))
        #expect(index.locate(32 + 5) == .init(source: "b.tokens", document: 1, token: 5))
    }

    @Test func copiedRuns_spanConsecutiveIndexedWindows() throws {
        let (index, _, _) = try Self.build()
        // 3 fresh tokens, 9 copied from a.txt (100..<109), 2 fresh, 5 copied from b (310..<315), 1 fresh.
        let ids = [1, 2, 3] + Array(100..<109) + [7, 8] + Array(310..<315) + [9]
        let runs = index.copiedRuns(in: ids)
        #expect(runs.count == 2)
        #expect(runs[0].start == 3 && runs[0].length == 9 && runs[0].source == .init(source: "a.txt", document: 1, token: 0))
        #expect(runs[1].start == 14 && runs[1].length == 5 && runs[1].source.source == "b.tokens" && runs[1].source.token == 10)
        #expect(index.longestCopiedRun(in: ids)?.length == 9)
        // A run at the very end, and texts shorter than a window.
        #expect(index.copiedRuns(in: [5] + Array(320..<330)).first?.length == 10)
        #expect(index.copiedRuns(in: [100, 101, 102]).isEmpty)
        #expect(index.longestCopiedRun(in: [1, 2, 3, 4, 5]) == nil)
    }

    @Test func damagedFiles_areRefusedWithTheirName() throws {
        let (_, url, _) = try Self.build()
        let data = try Data(contentsOf: url)
        let dir = try Self.folder()
        func refused(_ bytes: Data, _ phrase: String) throws {
            let bad = dir.appendingPathComponent("bad-\(UUID().uuidString).idx")
            try bytes.write(to: bad)
            do {
                _ = try VerbatimIndex.load(bad)
                Issue.record("loaded a damaged index")
            } catch {
                let message = error.localizedDescription
                #expect(message.contains(bad.path) && message.contains(phrase), "\(message)")
            }
        }
        try refused(data.prefix(data.count - 4), "promises")
        try refused(Data("not an index at all, just text".utf8), "GPT2VIX1")
        try refused(Data(), "empty")
        var header = data
        header[20] = UInt8(ascii: "!")
        try refused(header, "header")
        #expect(throws: PrivacyError.self) { try VerbatimIndex.load(dir.appendingPathComponent("missing.idx")) }
    }

    @Test func writingIntoAMissingFolder_failsAndLeavesNothing() throws {
        var builder = try VerbatimIndexBuilder(window: 4, endOfTextID: Self.eot)
        try builder.add(ids: Array(0..<20), source: "x")
        let url = try Self.folder().appendingPathComponent("no/such/verbatim.idx")
        #expect(throws: PrivacyError.self) { try builder.write(to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(throws: PrivacyError.self) { try VerbatimIndexBuilder(window: 1, endOfTextID: Self.eot) }
    }
}
