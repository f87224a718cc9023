import Foundation

/// A file written front to back through a buffer into a temporary file in the destination's
/// folder, then renamed into place; dropped or cancelled, it removes the temporary file.
final class StreamingFile {
    let url: URL
    private let temporaryURL: URL
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 20

    init(url: URL) throws {
        self.url = url
        temporaryURL = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw DatasetError.unwritable(file: url.path, reason: String(cString: strerror(errno)))
        }
        buffer.reserveCapacity(Self.bufferLimit + 4096)
    }

    deinit { cancel() }

    func append(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.bufferLimit { try flush() }
    }

    func finish() throws {
        guard descriptor >= 0 else { throw DatasetError.unwritable(file: url.path, reason: "the file was already closed") }
        try flush()
        guard fsync(descriptor) == 0 else { throw failure() }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryURL.path, url.path) == 0 else {
            let error = failure()
            unlink(temporaryURL.path)
            throw error
        }
    }

    func cancel() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryURL.path)
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard count > 0 else { throw failure() }
            offset += count
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func failure() -> DatasetError {
        .unwritable(file: url.path, reason: String(cString: strerror(errno)))
    }
}
