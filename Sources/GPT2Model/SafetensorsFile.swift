import Foundation

/// A memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON
/// header (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`),
/// then the tensor data, little-endian and row-major.
///
/// Everything is validated in `init` (see `SafetensorsHeader`), so afterwards every `TensorInfo`
/// lies inside the map and `data(of:)` can be used without further checks.
///
/// **Alignment.** Tensor data starts at `dataSectionOffset + info.byteOffset` from the
/// page-aligned start of the map. The format does not require any alignment: the reference
/// writer (and `SafetensorsWriter`) pads the header so the data section starts at a multiple
/// of 8 and orders tensors by descending element size, which makes every tensor naturally
/// aligned, but files from older or other writers may put an F32 tensor at an odd address.
/// Code reading the data must use unaligned loads (`loadUnaligned`, `memcpy`), or check
/// `isNaturallyAligned(_:)` first and copy when it is false.
public final class SafetensorsFile: @unchecked Sendable {
    /// The file.
    public let url: URL
    /// The `__metadata__` string map (empty when the file has none). HF writes `{"format": "pt"}`.
    public let metadata: [String: String]
    /// Every tensor, by its name in the header.
    public let tensors: [String: TensorInfo]
    /// The tensors ordered by their position in the data section.
    public let orderedTensors: [TensorInfo]
    /// Offset in bytes of the data section from the start of the file (8 + header length).
    public let dataSectionOffset: Int

    private let map: MappedFile
    /// Tensors whose bytes `rewriteOnce` changed, with the name of the change.
    private var rewritten: [String: String] = [:]
    private let rewriteLock = NSLock()

    /// Memory-maps `url` and validates its header and layout.
    ///
    /// - Throws: `CheckpointError` naming the file: `.missingFile`, `.unreadableFile`,
    ///   `.emptyFile`, `.badHeader` (with the field at fault), `.unknownDType`, `.truncated`.
    public init(url: URL) throws(CheckpointError) {
        let map = try MappedFile(url: url, expected: "a safetensors file")
        let header = try SafetensorsHeader(file: map.bytes, url: url)
        self.url = url
        self.map = map
        self.metadata = header.metadata
        self.tensors = header.tensors
        self.orderedTensors = header.ordered
        self.dataSectionOffset = header.dataStart
    }

    /// Size of the whole file in bytes.
    public var fileSize: Int { map.count }

    /// Tensor names, sorted.
    public var tensorNames: [String] { tensors.keys.sorted() }

    /// A pointer to the first byte of tensor `name`'s data inside the map, or nil when the file
    /// has no such tensor. Valid while this object lives. Not necessarily aligned: see the type's
    /// documentation. For a zero-size tensor the pointer must not be read.
    public func data(of name: String) -> UnsafeRawPointer? {
        guard let info = tensors[name] else { return nil }
        return map.bytes.baseAddress! + dataSectionOffset + info.byteOffset
    }

    /// Tensor `name`'s bytes (`info.byteCount` of them), or nil when the file has no such tensor.
    public func bytes(of name: String) -> UnsafeRawBufferPointer? {
        guard let info = tensors[name] else { return nil }
        return UnsafeRawBufferPointer(rebasing: map.bytes[(dataSectionOffset + info.byteOffset)...].prefix(info.byteCount))
    }

    /// Changes tensor `name`'s bytes in this process's memory (never in the file) by `body`,
    /// once per tensor: later calls with the same `change` return true without calling `body`,
    /// so two loads of one checkpoint object see the same bytes. Afterwards `data(of:)` and
    /// `bytes(of:)` give the changed bytes. Returns false, changing nothing, when the tensor is
    /// absent, was changed by another `change`, or its pages cannot be made writable.
    public func rewriteOnce(_ name: String, change: String, _ body: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard let info = tensors[name] else { return false }
        rewriteLock.lock()
        defer { rewriteLock.unlock() }
        if let done = rewritten[name] { return done == change }
        let start = dataSectionOffset + info.byteOffset
        guard map.withWritableBytes(start..<(start + info.byteCount), body) != nil else { return false }
        rewritten[name] = change
        return true
    }

    /// Whether tensor `name`'s data address is a multiple of its element size (nil when absent).
    public func isNaturallyAligned(_ name: String) -> Bool? {
        guard let info = tensors[name] else { return nil }
        return (dataSectionOffset + info.byteOffset) % info.dtype.byteSize == 0
    }
}
