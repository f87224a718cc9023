import Foundation
import GPT2Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes fp32 tensors straight from memory into a safetensors file, without the in-memory
/// copy `SafetensorsWriter` makes of every tensor: a checkpoint of GPT-2 medium's weights and
/// AdamW moments would otherwise double the training's peak memory while it saves. The bytes go
/// to a temporary file beside `url`, are `fsync`ed and renamed over it, so a crash or a full
/// disk never leaves a partial file under the final name.
enum StreamedSafetensors {
    struct Tensor {
        let name: String
        let shape: [Int]
        let pointer: UnsafePointer<Float>
        var byteCount: Int { shape.reduce(1, *) * 4 }
    }

    static func write(_ tensors: [Tensor], metadata: [String: String], to url: URL) throws {
        var entries: [String] = []
        var offset = 0
        for t in tensors {
            entries.append("\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + t.byteCount)]}")
            offset += t.byteCount
        }
        let meta = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        var header = Array(("{\"__metadata__\":{\(meta)}," + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrainingError.writeFailed(url, reason: String(cString: strerror(errno))) }
        func fail(_ code: Int32) -> TrainingError {
            close(fd)
            unlink(temporary.path)
            return TrainingError.writeFailed(url, reason: String(cString: strerror(code)))
        }
        var length = UInt64(header.count).littleEndian
        var code = withUnsafeBytes(of: &length) { writeAll(fd, $0.baseAddress!, $0.count) }
        if code == 0 { code = header.withUnsafeBytes { writeAll(fd, $0.baseAddress!, $0.count) } }
        for t in tensors where code == 0 {
            code = writeAll(fd, UnsafeRawPointer(t.pointer), t.byteCount)
        }
        if code == 0 && fsync(fd) != 0 { code = errno }
        if code != 0 { throw fail(code) }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw TrainingError.writeFailed(url, reason: String(cString: strerror(code)))
        }
    }

    /// Writes `count` bytes, retrying short writes; 0 or the errno.
    private static func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int32 {
        var done = 0
        while done < count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, base + done, min(count - done, 1 << 30))
            #else
            let n = Darwin.write(fd, base + done, min(count - done, 1 << 30))
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return ENOSPC }
            done += n
        }
        return 0
    }

    /// The weights of `parameters` as Hugging Face's GPT2LMHeadModel names them (tied head: no
    /// lm_head.weight), plus config.json, into `directory`.
    static func saveModel(_ parameters: ParameterBuffer, to directory: URL, metadata: [String: String]) throws {
        let tensors = parameters.entries.enumerated().map { i, entry in
            Tensor(name: CheckpointDirectory.tensorPrefix + entry.name, shape: entry.shape,
                   pointer: UnsafePointer(parameters.pointer + parameters.offsets[i]))
        }
        try write(tensors, metadata: metadata.merging(["format": "pt"]) { a, _ in a },
                  to: directory.appendingPathComponent(CheckpointDirectory.singleFileName))
        try AtomicFile.write([Array(try parameters.config.jsonData())], to: directory.appendingPathComponent("config.json"))
    }
}
