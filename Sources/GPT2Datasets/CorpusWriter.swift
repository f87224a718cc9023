import Foundation
import GPT2Tokenizer

/// Where finished documents go: a text file or a token file, written atomically.
public protocol CorpusWriter: AnyObject {
    /// Adds one document (already shaped, scrubbed and deduplicated).
    func append(_ document: String) throws
    /// Completes the file and renames it into place.
    func finish() throws
    /// Removes the partial file; the destination stays untouched.
    func cancel()
    /// Documents appended so far.
    var documentCount: Int { get }
    /// Tokens written (nil for text output).
    var tokenCount: Int? { get }
    /// Bytes of the finished file.
    var byteCount: Int { get }
}
