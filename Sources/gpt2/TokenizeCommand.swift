import ArgumentParser
import Foundation
import GPT2Tokenizer

/// `gpt2 tokenize`: token ids of stdin's text.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the GPT-2 token ids of stdin's text as a JSON array."
    )

    @Option(help: "A folder with tokenizer files (vocab.json + merges.txt, encoder.json + vocab.bpe, or tokenizer.json); default: GPT-2's.")
    var model: String?

    @Flag(help: "Read one JSON string per stdin line and print one JSON array of ids per line (a blank line gives []).")
    var jsonl = false

    @Flag(help: "Map <|endoftext|> in the text to its special id instead of encoding it as plain text.")
    var allowSpecial = false

    func run() async throws {
        let tokenizer = try reportingErrors {
            try model.map { try BPETokenizer(directory: URL(fileURLWithPath: $0)) } ?? BPETokenizer.gpt2()
        }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        if jsonl {
            // One output line per input line: a blank line gives an empty array, so output line
            // N always belongs to input line N. The newline that ends the last line starts no line.
            var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if lines.last?.isEmpty == true { lines.removeLast() }
            var lineNumber = 0
            for line in lines {
                lineNumber += 1
                let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
                if trimmed.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                    print("[]")
                    continue
                }
                guard let text = try? JSONDecoder().decode(String.self, from: Data(trimmed)) else {
                    throw CommandFailure("Line \(lineNumber) of stdin is not a JSON string; --jsonl expects one JSON string per line, such as \"Hello world\".")
                }
                print(try jsonLine(tokenizer.encode(text, allowSpecialTokens: allowSpecial)))
            }
        } else {
            guard let text = String(data: input, encoding: .utf8) else {
                throw CommandFailure("stdin is not valid UTF-8 text.")
            }
            print(try jsonLine(tokenizer.encode(text, allowSpecialTokens: allowSpecial)))
        }
    }
}
