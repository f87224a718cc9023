import Foundation

/// The validated header of a safetensors file.
///
/// Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section.
/// The checks follow the reference implementation (huggingface/safetensors), so a file accepted
/// here is one Hugging Face's library accepts too:
/// - 2 <= N <= 100,000,000 and N fits in the file;
/// - the JSON is an object; `__metadata__`, if present, maps strings to strings;
/// - every other key is a tensor with `dtype` (a known dtype string), `shape` (non-negative
///   integers) and `data_offsets` (`[begin, end]`, non-negative, begin <= end) where
///   `end - begin == product(shape) * dtype.byteSize`;
/// - sorted by offsets, the tensors tile the data section exactly: the first begins at 0,
///   each begins where the previous ends (no gap, no overlap), and the last ends at the end
///   of the file (a shorter file is `truncated`, trailing bytes are an error).
struct SafetensorsHeader: Sendable {
    /// Headers longer than this are rejected, as the reference implementation does.
    static let maxHeaderLength = 100_000_000

    let metadata: [String: String]
    /// By name.
    let tensors: [String: TensorInfo]
    /// Ordered by `byteOffset` (ties: zero-size tensors first).
    let ordered: [TensorInfo]
    /// Offset of the data section from the start of the file: `8 + N`.
    let dataStart: Int

    /// Parses and validates the header of `file` (the whole file's bytes).
    init(file bytes: UnsafeRawBufferPointer, url: URL) throws(CheckpointError) {
        func bad(_ reason: String) -> CheckpointError { .badHeader(url, reason: reason) }

        guard bytes.count >= 8 else {
            throw bad("the file is \(bytes.count) bytes long, shorter than the 8-byte header length field")
        }
        let rawLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let available = bytes.count - 8
        guard rawLength >= 2 else {
            throw bad("the header length field is \(rawLength), but a JSON header needs at least 2 bytes")
        }
        guard rawLength <= UInt64(Self.maxHeaderLength) else {
            throw bad("the header length field is \(CheckpointError.grouped(Int(clamping: rawLength))) bytes, "
                + "more than the 100,000,000 allowed; it is probably not a safetensors file")
        }
        let headerLength = Int(rawLength)
        guard headerLength <= available else {
            throw bad("the header length field says \(CheckpointError.grouped(headerLength)) bytes of JSON header, "
                + "but only \(CheckpointError.grouped(available)) bytes follow it (the file is truncated or not a safetensors file)")
        }
        dataStart = 8 + headerLength

        let json: SafetensorsJSON
        do {
            json = try SafetensorsJSON.parse(Data(bytes[8 ..< dataStart]))
        } catch {
            throw bad("the header \(error.reason)")
        }
        guard case .object(let entries) = json else {
            throw bad("the header is \(json.typeName), expected a JSON object of tensors")
        }

        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        for key in entries.keys.sorted() {
            let value = entries[key]!
            if key == "__metadata__" {
                guard case .object(let fields) = value else {
                    throw bad("__metadata__ is \(value.typeName), expected an object of strings")
                }
                for (field, fieldValue) in fields {
                    guard case .string(let text) = fieldValue else {
                        throw bad("__metadata__ field '\(field)' is \(fieldValue.typeName), expected a string")
                    }
                    metadata[field] = text
                }
            } else {
                tensors[key] = try Self.tensor(named: key, from: value, url: url)
            }
        }

        let ordered = tensors.values.sorted {
            ($0.byteOffset, $0.byteCount, $0.name) < ($1.byteOffset, $1.byteCount, $1.name)
        }
        var end = 0
        var previous: String?
        for info in ordered {
            if info.byteOffset != end {
                let after = previous.map { "the previous tensor '\($0)' ends at \(end)" } ?? "the data section begins at 0"
                let what = info.byteOffset < end ? "overlaps" : "leaves a gap"
                throw bad("tensor '\(info.name)' starts at data offset \(info.byteOffset) but \(after), so it \(what); "
                    + "tensors must tile the data section")
            }
            end += info.byteCount
            previous = info.name
        }
        let dataBytes = available - headerLength
        if dataBytes < end {
            throw .truncated(url, expectedBytes: end, actualBytes: dataBytes)
        }
        if dataBytes > end {
            throw bad("the file has \(CheckpointError.grouped(dataBytes - end)) bytes after the end of the last tensor's data")
        }
        self.metadata = metadata
        self.tensors = tensors
        self.ordered = ordered
    }

    /// Validates one `{"dtype", "shape", "data_offsets"}` entry.
    private static func tensor(named name: String, from value: SafetensorsJSON, url: URL) throws(CheckpointError) -> TensorInfo {
        func bad(_ reason: String) -> CheckpointError { .badHeader(url, reason: "tensor '\(name)' \(reason)") }

        guard case .object(let fields) = value else {
            throw bad("is \(value.typeName), expected an object with dtype, shape and data_offsets")
        }
        guard case .string(let dtypeName)? = fields["dtype"] else {
            throw bad("has no dtype string")
        }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw .unknownDType(url, tensor: name, dtype: dtypeName)
        }
        guard let shape = nonNegativeIntegers(fields["shape"]) else {
            throw bad("has no shape array of non-negative integers")
        }
        guard let offsets = nonNegativeIntegers(fields["data_offsets"]), offsets.count == 2, offsets[0] <= offsets[1] else {
            throw bad("has no data_offsets [begin, end] of non-negative integers with begin <= end")
        }
        var byteCount = dtype.byteSize
        for dim in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw bad("has shape \(shape), too large to address") }
            byteCount = product
        }
        guard offsets[1] - offsets[0] == byteCount else {
            throw bad("has shape \(shape) of \(dtypeName), which needs \(byteCount) bytes, "
                + "but its data_offsets [\(offsets[0]), \(offsets[1])] span \(offsets[1] - offsets[0])")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, byteOffset: offsets[0], byteCount: byteCount)
    }

    private static func nonNegativeIntegers(_ value: SafetensorsJSON?) -> [Int]? {
        guard case .array(let items)? = value else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .integer(let n) = item, n >= 0 else { return nil }
            result.append(n)
        }
        return result
    }
}
