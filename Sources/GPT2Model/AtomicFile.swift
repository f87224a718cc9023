import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files so that a reader sees the old file or the new one, never a part: the
/// bytes go to a temporary file in the same folder, are `fsync`ed, and the temporary file is
/// `rename`d over the target (then the folder is synced). On any failure the temporary file is
/// removed and the target is untouched. Unlike Foundation's `.atomic` option on Linux, nothing
/// is left behind in the system's temporary folder.
public enum AtomicFile {
    /// Writes the concatenation of `chunks` to `url`.
    ///
    /// - Throws: `CheckpointError.writeFailed` naming `url` and the reason (missing folder,
    ///   permission, full disk).
    public static func write(_ chunks: [[UInt8]], to url: URL) throws(CheckpointError) {
        guard url.isFileURL else { throw .writeFailed(url, reason: "it is not a local file URL") }
        let folder = url.deletingLastPathComponent()
        removeStaleTemporaryFiles(of: url)
        let temporary = folder.appending(path: ".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        // Created and registered in one step under the registry's lock, so a Ctrl-C cleanup
        // running on another thread sees the file either registered or not yet made.
        let fd: Int32 = TemporaryFiles.shared.create(temporary.path) {
            temporary.withUnsafeFileSystemRepresentation { path in
                guard let path else { return -1 }
                return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            }
        }
        defer { TemporaryFiles.shared.remove(temporary.path) }
        guard fd >= 0 else {
            let code = errno
            let reason = code == ENOENT
                ? "the folder \(folder.path) does not exist"
                : "cannot create a temporary file in \(folder.path): \(MappedFile.describe(code))"
            throw .writeFailed(url, reason: reason)
        }
        var closed = false
        func abandon(_ reason: String) -> CheckpointError {
            if !closed { close(fd) }
            temporary.withUnsafeFileSystemRepresentation { path in _ = path.map { unlink($0) } }
            return .writeFailed(url, reason: reason)
        }

        for chunk in chunks {
            let code = writeAll(fd, chunk)
            if code != 0 { throw abandon(MappedFile.describe(code)) }
        }
        guard fsync(fd) == 0 else { throw abandon("fsync failed: \(MappedFile.describe(errno))") }
        closed = true
        guard close(fd) == 0 else { throw abandon("close failed: \(MappedFile.describe(errno))") }

        let renamed: Int32 = temporary.withUnsafeFileSystemRepresentation { from in
            url.withUnsafeFileSystemRepresentation { to in
                guard let from, let to else { return -1 }
                return rename(from, to)
            }
        }
        guard renamed == 0 else { throw abandon("rename over it failed: \(MappedFile.describe(errno))") }
        // Persist the rename itself; a failure here no longer endangers the file's contents.
        let folderFD: Int32 = folder.withUnsafeFileSystemRepresentation { path in
            guard let path else { return -1 }
            return open(path, O_RDONLY | O_CLOEXEC)
        }
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }

    /// Removes the temporary files this process is writing right now; for a handler of SIGINT or
    /// SIGTERM that is about to end the process, so an interrupted write leaves nothing behind.
    public static func removeTemporaryFiles() {
        TemporaryFiles.shared.removeAllAndRefuseNew()
    }

    /// Removes the temporary files of `url` (`.NAME.PID.UUID.tmp` beside it) that processes which
    /// no longer run left behind (killed before they could clean up).
    static func removeStaleTemporaryFiles(of url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let fields = name.dropFirst(prefix.count).split(separator: ".")
            guard fields.count == 3, let pid = Int32(fields[0]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink(folder.appending(path: name).path)
            }
        }
    }

    /// Writes all of `bytes`, retrying short writes and EINTR; 0 or the failing `errno`.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return 0
        }
    }
}

/// The paths of the temporary files being written, for `AtomicFile.removeTemporaryFiles()`.
private final class TemporaryFiles: @unchecked Sendable {
    static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []
    private var closed = false

    /// Runs `open` (which creates `path`, returning a descriptor or -1) and registers the path,
    /// both under the lock; after ``removeAllAndRefuseNew()`` creates nothing and returns -1.
    func create(_ path: String, _ open: () -> Int32) -> Int32 {
        lock.withLock {
            if closed {
                errno = EINTR
                return -1
            }
            let fd = open()
            if fd >= 0 { paths.insert(path) }
            return fd
        }
    }

    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Unlinks every registered file and refuses new ones: the process is about to end.
    func removeAllAndRefuseNew() {
        lock.withLock {
            closed = true
            for path in paths { unlink(path) }
        }
    }
}

/// POSIX `write(2)`, named apart from the `write` methods in scope.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    Musl.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}
