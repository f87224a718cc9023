import Foundation
@testable import GPT2Datasets

/// Fixture files and a way to run an importer and the conversation shaper over one.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/datasets")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// The documents `importer` and a `ConversationShaper` make of `name`, and the skip counts.
    static func documents(_ importer: any DatasetImporter, _ name: String,
                          shaping: ShapingOptions = ShapingOptions()) throws -> (documents: [String], skipped: [String: Int]) {
        try documents(importer, url: url(name), shaping: shaping)
    }

    static func documents(_ importer: any DatasetImporter, url: URL,
                          shaping: ShapingOptions = ShapingOptions()) throws -> (documents: [String], skipped: [String: Int]) {
        var documents: [String] = []
        let shaper = ConversationShaper(options: shaping) { documents.append($0) }
        let sink = RecordSink { record in
            switch record {
            case let .document(text):
                try shaper.finish()
                documents.append(text)
            case let .message(message):
                try shaper.add(message)
            }
        }
        try importer.read(url, into: sink)
        try shaper.finish()
        return (documents, sink.skipped.merging(shaper.dropped) { $0 + $1 })
    }

    /// A new empty folder under the system's temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `text` to a new file `name` in a new temporary folder.
    static func write(_ text: String, name: String) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}
