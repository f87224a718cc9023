import Foundation
import GPT2Model
import Testing

@Suite("MappedFile gives a file's exact bytes, mapped or copied into huge-page memory")
struct MappedFileTests {
    /// A file of `count` bytes whose byte i is `(i * 7 + i / 251) & 0xff`, so a shifted or
    /// truncated copy differs.
    private func patternFile(count: Int) throws -> (URL, [UInt8]) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 251) }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mappedfile-\(UUID().uuidString).bin")
        try Data(bytes).write(to: url)
        return (url, bytes)
    }

    @Test("a copied file (threshold 0) and a mapped one hold the same bytes as the file", arguments: [1, 4095, 4097, 3 << 20])
    func copiedAndMappedAgree(count: Int) throws {
        let (url, expected) = try patternFile(count: count)
        defer { try? FileManager.default.removeItem(at: url) }
        for threshold in [0, Int.max] {
            let file = try MappedFile(url: url, copyThreshold: threshold)
            #expect(file.count == count)
            #expect(Array(file.bytes) == expected)
            #expect(Int(bitPattern: file.bytes.baseAddress!) % 4096 == 0)
        }
    }

    @Test("a missing file is reported as missing whatever the threshold")
    func missingFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mappedfile-missing-\(UUID().uuidString)")
        #expect(throws: CheckpointError.self) { _ = try MappedFile(url: url, copyThreshold: 0) }
    }
}
