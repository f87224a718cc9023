import Foundation

/// Readers for the vocabulary and merges file formats of GPT-2 tokenizers.
///
/// - `encoder.json` / `vocab.json`: a JSON object from token spelling to id.
/// - `vocab.bpe` / `merges.txt`: an optional `#version` line, then one `left right` merge per
///   line in rank order.
/// - `tokenizer.json` (Hugging Face): `model.vocab`, `model.merges` (`"left right"` strings or
///   `[left, right]` pairs) and `added_tokens` (`[{"id": .., "content": ..}]`).
enum TokenizerFiles {
    static func readData(_ file: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadableFile(file: file, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw TokenizerError.unreadableFile(file: file, reason: "it is a folder, not a file")
        }
        do {
            return try Data(contentsOf: file)
        } catch {
            throw TokenizerError.unreadableFile(file: file, reason: String(describing: error))
        }
    }

    static func readJSONObject(_ file: URL) throws -> [String: Any] {
        let data = try readData(file)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw TokenizerError.invalidJSON(file: file, reason: "it does not parse as JSON (\(error))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "the top level is not a JSON object")
        }
        return dictionary
    }

    /// A vocabulary object (token -> id) found in `file` at `field` (for messages).
    static func vocabulary(from object: Any, file: URL, field: String) throws -> [String: Int] {
        guard let dictionary = object as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "\"\(field)\" is not an object of token to id")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(dictionary.count)
        for (token, value) in dictionary {
            guard let id = integer(value) else {
                throw TokenizerError.invalidJSON(file: file, reason: "the id of \"\(token)\" in \"\(field)\" is not an integer")
            }
            vocabulary[token] = id
        }
        return vocabulary
    }

    /// Reads `encoder.json` or `vocab.json`.
    static func readVocabulary(_ file: URL) throws -> [String: Int] {
        try vocabulary(from: readJSONObject(file), file: file, field: "(top level)")
    }

    /// Reads `vocab.bpe` or `merges.txt` (LF or CRLF line ends; a first line starting with
    /// `#version` and blank lines are skipped).
    static func readMerges(_ file: URL) throws -> [MergeRule] {
        let data = try readData(file)
        var rules: [MergeRule] = []
        rules.reserveCapacity(data.count / 9)
        // Split on bytes: as Characters, "\r\n" is one grapheme and would not split at "\n".
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineNumber = 0
            var start = 0
            while start < bytes.count {
                lineNumber += 1
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let next = end + 1
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let lineBytes = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = next
                // Invalid UTF-8 becomes U+FFFD, which then fails the vocabulary lookup with this line.
                let line = String(decoding: lineBytes, as: UTF8.self)
                if line.utf8.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
                if lineNumber == 1 && line.hasPrefix("#version") { continue }
                rules.append(try rule(from: Substring(line), line: lineNumber, file: file))
            }
        }
        return rules
    }

    /// `left right` -> rule; exactly one space between two non-empty tokens.
    static func rule(from text: Substring, line: Int, file: URL) throws -> MergeRule {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            let shown = text.count > 80 ? text.prefix(80) + "..." : text
            throw TokenizerError.invalidMergesLine(file: file, line: line, text: String(shown))
        }
        return MergeRule(left: String(parts[0]), right: String(parts[1]), line: line)
    }

    /// Reads a Hugging Face `tokenizer.json`.
    static func readTokenizerJSON(_ file: URL) throws
        -> (vocabulary: [String: Int], merges: [MergeRule], addedTokens: [(content: String, id: Int)])
    {
        let root = try readJSONObject(file)
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.missingField(file: file, field: "model")
        }
        if let type = model["type"] as? String, type != "BPE" {
            throw TokenizerError.unsupportedModelType(file: file, type: type)
        }
        guard let vocabularyObject = model["vocab"] else {
            throw TokenizerError.missingField(file: file, field: "model.vocab")
        }
        let vocabulary = try vocabulary(from: vocabularyObject, file: file, field: "model.vocab")
        guard let mergesObject = model["merges"] else {
            throw TokenizerError.missingField(file: file, field: "model.merges")
        }
        guard let mergeList = mergesObject as? [Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "\"model.merges\" is not an array")
        }
        var merges: [MergeRule] = []
        merges.reserveCapacity(mergeList.count)
        for (index, entry) in mergeList.enumerated() {
            if let text = entry as? String {
                merges.append(try rule(from: Substring(text), line: index + 1, file: file))
            } else if let pair = entry as? [Any], pair.count == 2, let left = pair[0] as? String,
                let right = pair[1] as? String, !left.isEmpty, !right.isEmpty
            {
                merges.append(MergeRule(left: left, right: right, line: index + 1))
            } else {
                throw TokenizerError.invalidJSON(
                    file: file, reason: "merge \(index + 1) of \"model.merges\" is neither \"left right\" nor [left, right]")
            }
        }
        var added: [(content: String, id: Int)] = []
        if let list = root["added_tokens"] as? [Any] {
            for (index, entry) in list.enumerated() {
                guard let token = entry as? [String: Any], let content = token["content"] as? String,
                    let idValue = token["id"], let id = integer(idValue)
                else {
                    throw TokenizerError.invalidJSON(
                        file: file, reason: "entry \(index + 1) of \"added_tokens\" lacks a string \"content\" or an integer \"id\"")
                }
                added.append((content, id))
            }
        }
        return (vocabulary, merges, added)
    }

    private static func integer(_ value: Any) -> Int? {
        return value as? Int
    }
}
