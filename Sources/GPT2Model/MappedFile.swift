import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file (`mmap` with `PROT_READ`, `MAP_PRIVATE`).
///
/// The pages are loaded by the kernel on first touch and shared with the page cache, so
/// opening a 500 MB checkpoint costs no copy. The mapping lives until the object is
/// deinitialized; pointers taken from `bytes` must not outlive it. The file must not be
/// truncated by another process while mapped (reading past its new end raises SIGBUS).
public final class MappedFile: @unchecked Sendable {
    /// The file that was mapped.
    public let url: URL
    /// Size of the file and of the mapping, in bytes (always > 0).
    public let count: Int
    private let base: UnsafeRawPointer

    /// Maps `url` read-only.
    ///
    /// - Parameter expected: what the file should be, for the error message when it is missing
    ///   (e.g. `"a safetensors file"`).
    /// - Throws: `CheckpointError.missingFile` when nothing is at `url`, `.unreadableFile` when it
    ///   is a folder or cannot be opened or mapped, `.emptyFile` when it has zero bytes.
    public init(url: URL, expected: String = "a readable file") throws(CheckpointError) {
        self.url = url
        guard url.isFileURL else {
            throw CheckpointError.unreadableFile(url, reason: "it is not a local file URL, expected \(expected)")
        }
        let fd: Int32 = url.withUnsafeFileSystemRepresentation { path in
            guard let path else { return -1 }
            return open(path, O_RDONLY | O_CLOEXEC)
        }
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw CheckpointError.missingFile(url, expected: expected)
            }
            throw CheckpointError.unreadableFile(url, reason: Self.describe(code))
        }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError.unreadableFile(url, reason: Self.describe(errno))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "it is a directory" : "it is not a regular file"
            throw CheckpointError.unreadableFile(url, reason: "\(kind), expected \(expected)")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw CheckpointError.emptyFile(url) }

        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CheckpointError.unreadableFile(url, reason: "mmap of \(size) bytes failed: \(Self.describe(errno))")
        }
        self.count = size
        self.base = UnsafeRawPointer(mapped)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    /// The whole file. The base address is page-aligned.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// `strerror` text for an `errno` value, e.g. "Permission denied (errno 13)".
    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
