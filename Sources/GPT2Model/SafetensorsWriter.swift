import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a safetensors file in memory and writes it atomically.
///
/// The layout is the one Hugging Face's `safetensors` library writes and requires:
/// - the JSON header lists `__metadata__` (if any, keys sorted) and then the tensors in data
///   order, and is padded with spaces so the data section starts at a multiple of 8 bytes;
/// - tensors are ordered by descending element size, then by name, and packed back to back
///   (the format forbids gaps between tensors), so every tensor starts at a multiple of its
///   element size and the output is the same for the same inputs.
///
/// ```swift
/// var writer = SafetensorsWriter()
/// writer.metadata = ["format": "pt"]
/// writer.add(name: "wte.weight", shape: [50257, 768], floats: embedding)
/// try writer.write(to: folder.appending(path: "model.safetensors"))
/// ```
public struct SafetensorsWriter: Sendable {
    /// Written as `__metadata__`; omitted from the header when empty. HF transformers expects
    /// `["format": "pt"]` in model files.
    public var metadata: [String: String] = [:]

    private var entries: [Entry] = []

    private struct Entry: Sendable {
        let name: String
        let dtype: TensorDType
        let shape: [Int]
        let data: [UInt8]
    }

    public init() {}

    /// Number of tensors added so far.
    public var tensorCount: Int { entries.count }

    /// Adds a tensor whose little-endian, row-major bytes are `bytes` (copied now).
    ///
    /// `bytes.count` must equal `product(shape) * dtype.byteSize`, and names must be unique and
    /// not `__metadata__`; violations are reported by `write(to:)` as `.invalidTensor`.
    public mutating func add(name: String, dtype: TensorDType, shape: [Int], bytes: UnsafeRawBufferPointer) {
        entries.append(Entry(name: name, dtype: dtype, shape: shape, data: Array(bytes)))
    }

    /// Adds an F32 tensor; `floats.count` must equal `product(shape)`.
    public mutating func add(name: String, shape: [Int], floats: [Float]) {
        #if _endian(big)
        let little = floats.map { $0.bitPattern.littleEndian }
        little.withUnsafeBytes { add(name: name, dtype: .f32, shape: shape, bytes: $0) }
        #else
        floats.withUnsafeBytes { add(name: name, dtype: .f32, shape: shape, bytes: $0) }
        #endif
    }

    /// Writes the file atomically: to a temporary file in the same folder, `fsync`, then
    /// `rename` over `url`. On failure the temporary file is removed and `url` is untouched.
    ///
    /// - Throws: `CheckpointError.invalidTensor` for a duplicate name or a byte count that does
    ///   not match the shape, `.writeFailed` for I/O errors (missing folder, full disk).
    public func write(to url: URL) throws(CheckpointError) {
        guard url.isFileURL else { throw .writeFailed(url, reason: "it is not a local file URL") }
        let ordered = try validatedEntries(for: url)
        let header = Self.header(metadata: metadata, ordered: ordered)
        var prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        prefix += header

        try AtomicFile.write([prefix] + ordered.map(\.data), to: url)
    }

    /// The complete file as bytes (header length, padded header, data), as `write(to:)` writes it.
    /// `url` only names the destination in errors.
    public func serialized(for url: URL) throws(CheckpointError) -> [UInt8] {
        let ordered = try validatedEntries(for: url)
        let header = Self.header(metadata: metadata, ordered: ordered)
        var out = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        out.reserveCapacity(8 + header.count + ordered.reduce(0) { $0 + $1.data.count })
        out += header
        for entry in ordered { out += entry.data }
        return out
    }

    /// Entries in file order, after checking names and sizes.
    private func validatedEntries(for url: URL) throws(CheckpointError) -> [Entry] {
        var seen = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw .invalidTensor(url, tensor: entry.name, reason: "the name is reserved for the metadata map")
            }
            guard seen.insert(entry.name).inserted else {
                throw .invalidTensor(url, tensor: entry.name, reason: "a tensor of that name was already added")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw .invalidTensor(url, tensor: entry.name, reason: "shape \(entry.shape) has a negative dimension")
            }
            var expected = entry.dtype.byteSize
            for dim in entry.shape {
                let (product, overflow) = expected.multipliedReportingOverflow(by: dim)
                guard !overflow else {
                    throw .invalidTensor(url, tensor: entry.name, reason: "shape \(entry.shape) is too large")
                }
                expected = product
            }
            guard entry.data.count == expected else {
                throw .invalidTensor(url, tensor: entry.name, reason: "shape \(entry.shape) of \(entry.dtype) needs "
                    + "\(expected) bytes but \(entry.data.count) were given")
            }
        }
        return entries.sorted {
            $0.dtype.byteSize != $1.dtype.byteSize ? $0.dtype.byteSize > $1.dtype.byteSize : $0.name < $1.name
        }
    }

    /// The JSON header padded with spaces so that `8 + count` is a multiple of 8.
    private static func header(metadata: [String: String], ordered: [Entry]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map {
                SafetensorsJSON.quoted($0) + ":" + SafetensorsJSON.quoted(metadata[$0]!)
            }
            parts.append("\"__metadata__\":{" + fields.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in ordered {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(SafetensorsJSON.quoted(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\","
                + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + entry.data.count)]}")
            offset += entry.data.count
        }
        var bytes = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + bytes.count) % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }
}
