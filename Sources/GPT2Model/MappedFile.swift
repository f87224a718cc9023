import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a whole file, read-only: a memory map (`mmap` with `PROT_READ`, `MAP_PRIVATE`),
/// or for large files on Linux a copy in anonymous memory backed by 2 MiB pages.
///
/// Small files are mapped: pages are loaded by the kernel on first touch and shared with the
/// page cache. Files of `hugePageThreshold` bytes or more (checkpoints) are copied once into
/// memory advised `MADV_HUGEPAGE`: decoding streams every weight once per token, and with the
/// page cache's 4 KiB pages that costs a TLB miss (a two-level walk under a hypervisor) every
/// 4 KiB and restarts the hardware prefetcher at every page (the commit that added the copy
/// has the measurements). The copy costs a fraction of a second per 500 MB at load. The memory lives until the object is deinitialized; pointers taken from `bytes` must
/// not outlive it. A mapped file must not be truncated by another process while mapped
/// (reading past its new end raises SIGBUS).
public final class MappedFile: @unchecked Sendable {
    /// The file that was mapped.
    public let url: URL
    /// Size of the file and of the mapping, in bytes (always > 0).
    public let count: Int
    private let base: UnsafeRawPointer
    /// The region to unmap: the file map, or the anonymous copy with its alignment slack.
    private let region: (start: UnsafeMutableRawPointer, length: Int)

    /// Files at least this large are copied into huge-page memory (Linux only).
    public static let hugePageThreshold = 64 << 20

    /// Maps `url` read-only, or copies it into huge-page memory when it has at least
    /// `copyThreshold` bytes.
    ///
    /// - Parameters:
    ///   - expected: what the file should be, for the error message when it is missing
    ///     (e.g. `"a safetensors file"`).
    ///   - copyThreshold: the size in bytes from which the file is copied rather than mapped
    ///     (`Int.max`: always map).
    /// - Throws: `CheckpointError.missingFile` when nothing is at `url`, `.unreadableFile` when it
    ///   is a folder or cannot be opened or mapped, `.emptyFile` when it has zero bytes.
    public init(url: URL, expected: String = "a readable file", copyThreshold: Int = hugePageThreshold) throws(CheckpointError) {
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

        self.count = size
        if size >= copyThreshold, let copy = Self.hugePageCopy(fd: fd, count: size) {
            self.base = UnsafeRawPointer(copy.base)
            self.region = copy.region
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CheckpointError.unreadableFile(url, reason: "mmap of \(size) bytes failed: \(Self.describe(errno))")
        }
        self.base = UnsafeRawPointer(mapped)
        self.region = (mapped, size)
    }

    deinit {
        munmap(region.start, region.length)
    }

    /// Reads the file's `count` bytes into anonymous memory aligned to 2 MiB and advised
    /// `MADV_HUGEPAGE`, then makes it read-only; nil where that is unavailable or a read fails
    /// (the caller then maps the file). Reading with `pread` keeps the page cache's copy out of
    /// this process's resident set.
    private static func hugePageCopy(fd: Int32, count: Int)
        -> (base: UnsafeMutableRawPointer, region: (start: UnsafeMutableRawPointer, length: Int))? {
        #if os(Linux)
        let huge = 2 << 20
        let length = (count + huge - 1) / huge * huge + huge
        let raw = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: raw) + huge - 1) / huge * huge)!
        _ = madvise(aligned, length - huge, MADV_HUGEPAGE)
        var done = 0
        while done < count {
            let got = pread(fd, aligned + done, min(count - done, 64 << 20), off_t(done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                munmap(raw, length)
                return nil
            }
            done += got
        }
        _ = mprotect(aligned, length - huge, PROT_READ)
        return (aligned, (raw, length))
        #else
        return nil
        #endif
    }

    /// Runs `body` with write access to bytes `range` of this object's memory, and makes them
    /// read-only again afterwards. Writes stay in this process (the copy is anonymous memory,
    /// the map is private): the file on disk never changes. Returns nil, without calling
    /// `body`, when the pages cannot be made writable.
    public func withWritableBytes<R>(_ range: Range<Int>, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R? {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "MappedFile.withWritableBytes: \(range) is outside the file's \(count) bytes")
        if range.isEmpty { return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base) + range.lowerBound
        let first = start / page * page
        let end = (Int(bitPattern: base) + range.upperBound + page - 1) / page * page
        let pages = UnsafeMutableRawPointer(bitPattern: first)!
        guard mprotect(pages, end - first, PROT_READ | PROT_WRITE) == 0 else { return nil }
        defer { _ = mprotect(pages, end - first, PROT_READ) }
        return try body(UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: start), count: range.count))
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
