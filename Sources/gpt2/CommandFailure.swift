import Foundation

/// An error on its way to the user: ArgumentParser prints `Error: ` and this one sentence.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }

    /// The one-sentence description of any error (LocalizedError's, where it has one).
    init(_ error: any Error) {
        if let failure = error as? CommandFailure {
            description = failure.description
        } else if let localized = error as? LocalizedError, let text = localized.errorDescription {
            description = text
        } else {
            description = String(describing: error)
        }
    }
}

/// Runs `body`, turning any error into a `CommandFailure` the user can read.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw CommandFailure(error) }
}

/// Writes text to stdout at once (streamed generation).
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Encodes a value as one line of JSON (keys sorted, slashes unescaped).
func jsonLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
