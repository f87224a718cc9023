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

    static func readJSON(_ file: URL) throws -> JSONValue {
        try parseJSON(readData(file), file: file)
    }

    /// Parses `data`, the contents of `file` (named in errors).
    static func parseJSON(_ data: Data, file: URL) throws -> JSONValue {
        let result: Result<JSONValue, JSONReader.SyntaxError> = data.withUnsafeBytes { raw in
            Result { () throws(JSONReader.SyntaxError) in try JSONReader.parse(raw.bindMemory(to: UInt8.self)) }
        }
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            throw TokenizerError.invalidJSON(file: file, reason: "it is not valid JSON (\(error.description))")
        }
    }

    /// A vocabulary object (token -> id) found in `file` at `field` (for messages).
    static func vocabulary(from value: JSONValue, file: URL, field: String) throws -> SpellingTable {
        guard let members = value.objectMembers else {
            throw TokenizerError.invalidJSON(file: file, reason: "\"\(field)\" is not an object of token to id")
        }
        var vocabulary = SpellingTable(minimumCapacity: members.count)
        for (token, value) in members {
            guard let id = value.integerValue else {
                throw TokenizerError.invalidJSON(
                    file: file, reason: "the id of \"\(token)\" in \"\(field)\" is not an integer")
            }
            vocabulary.insert(token, id: id)
        }
        return vocabulary
    }

    /// Reads `encoder.json` or `vocab.json`.
    static func readVocabulary(_ file: URL) throws -> SpellingTable {
        try vocabulary(from: readJSON(file), file: file, field: "(top level)")
    }

    /// Reads `vocab.bpe` or `merges.txt`: LF or CRLF line ends; a first line starting with
    /// `#version` and blank lines are skipped; every other line is `left right`.
    static func readMerges(_ file: URL) throws -> MergeList {
        try parseMerges(readData(file), file: file)
    }

    /// Parses `data`, the contents of a merges file `file` (named in errors).
    static func parseMerges(_ data: Data, file: URL) throws -> MergeList {
        var merges = MergeList(expectedCount: data.count / 9)
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
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = next
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
                if lineNumber == 1 && line.starts(with: "#version".utf8) { continue }
                try appendRule(line, line: lineNumber, file: file, to: &merges)
            }
        }
        return merges
    }

    /// Appends `left right` (one space between two non-empty tokens) to `merges`.
    static func appendRule(_ text: UnsafeBufferPointer<UInt8>, line: Int, file: URL, to merges: inout MergeList) throws {
        let spaces = text.indices.filter { text[$0] == UInt8(ascii: " ") }
        guard spaces.count == 1, let space = spaces.first, space > 0, space < text.count - 1 else {
            let shown = String(decoding: text.prefix(80), as: UTF8.self) + (text.count > 80 ? "..." : "")
            throw TokenizerError.invalidMergesLine(file: file, line: line, text: shown)
        }
        merges.append(
            left: UnsafeBufferPointer(rebasing: text[..<space]), right: UnsafeBufferPointer(rebasing: text[(space + 1)...]),
            line: line)
    }

    /// Reads a Hugging Face `tokenizer.json`.
    static func readTokenizerJSON(_ file: URL) throws
        -> (vocabulary: SpellingTable, merges: MergeList, addedTokens: [(content: String, id: Int)])
    {
        let root = try readJSON(file)
        guard root.objectMembers != nil else {
            throw TokenizerError.invalidJSON(file: file, reason: "the top level is not a JSON object")
        }
        guard let model = root["model"], model.objectMembers != nil else {
            throw TokenizerError.missingField(file: file, field: "model")
        }
        if let type = model["type"]?.stringValue, type != "BPE" {
            throw TokenizerError.unsupportedModelType(file: file, type: type)
        }
        guard let vocabularyValue = model["vocab"] else {
            throw TokenizerError.missingField(file: file, field: "model.vocab")
        }
        let vocabulary = try vocabulary(from: vocabularyValue, file: file, field: "model.vocab")
        guard let mergesValue = model["merges"] else {
            throw TokenizerError.missingField(file: file, field: "model.merges")
        }
        guard let mergeList = mergesValue.arrayElements else {
            throw TokenizerError.invalidJSON(file: file, reason: "\"model.merges\" is not an array")
        }
        var merges = MergeList(expectedCount: mergeList.count)
        for (index, entry) in mergeList.enumerated() {
            if var text = entry.stringValue {
                try text.withUTF8 { try appendRule($0, line: index + 1, file: file, to: &merges) }
            } else if let pair = entry.arrayElements, pair.count == 2, let left = pair[0].stringValue,
                let right = pair[1].stringValue, !left.isEmpty, !right.isEmpty
            {
                merges.append(left: left, right: right, line: index + 1)
            } else {
                throw TokenizerError.invalidJSON(
                    file: file, reason: "merge \(index + 1) of \"model.merges\" is neither \"left right\" nor [left, right]")
            }
        }
        var added: [(content: String, id: Int)] = []
        if let list = root["added_tokens"]?.arrayElements {
            for (index, entry) in list.enumerated() {
                guard let content = entry["content"]?.stringValue, let id = entry["id"]?.integerValue else {
                    throw TokenizerError.invalidJSON(
                        file: file,
                        reason: "entry \(index + 1) of \"added_tokens\" lacks a string \"content\" or an integer \"id\"")
                }
                added.append((content, id))
            }
        }
        return (vocabulary, merges, added)
    }
}
