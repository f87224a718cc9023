import Foundation
import GPT2Tokenizer

/// Tests/Fixtures/tokenizer/cases.json, written by Scripts/make-tokenizer-fixtures.py from
/// OpenAI's encoder.py algorithm and checked there against tiktoken and Hugging Face.
struct TokenizerFixtures: Decodable {
    struct Case: Decodable {
        let group: String
        let text: String
        let ids: [Int]
        let pieces: [String]?
    }

    struct SpecialCase: Decodable {
        let text: String
        let ids: [Int]
    }

    struct DecodeCase: Decodable {
        let ids: [Int]
        let text: String
    }

    let magic: String
    let version: Int
    let regenerate: String
    let vocabularySize: Int
    let endOfTextId: Int
    let cases: [Case]
    let specialCases: [SpecialCase]
    let decodeCases: [DecodeCase]
    /// `[codePoint, class]`, class 0 letter, 1 number, 2 whitespace, 3 other.
    let classProbes: [[UInt32]]

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer/cases.json")

    /// Loaded once for all tests.
    static let shared: TokenizerFixtures = {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(TokenizerFixtures.self, from: Data(contentsOf: url))
        } catch {
            fatalError(
                "Could not load \(url.path): \(error). Regenerate it with /tmp/refvenv/bin/python Scripts/make-tokenizer-fixtures.py"
            )
        }
    }()
}

/// The bundled GPT-2 tokenizer, loaded once for all tests.
let gpt2Tokenizer: BPETokenizer = {
    do {
        return try BPETokenizer.gpt2()
    } catch {
        fatalError("BPETokenizer.gpt2() failed: \(error)")
    }
}()

/// SplitMix64: a seedable generator so random tests are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A temporary folder removed when the closure returns.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-tokenizer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}
