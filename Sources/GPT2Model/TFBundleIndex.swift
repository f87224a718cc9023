import Foundation

/// The `.index` file of a TensorFlow checkpoint (tensor bundle): a LevelDB-format table whose
/// keys are variable names and whose values are `BundleEntryProto` records (dtype, shape,
/// shard, offset, size, crc32c of the bytes); the empty key holds the `BundleHeaderProto`
/// (shard count, endianness).
///
/// Table layout (LevelDB `table_format`): blocks of prefix-compressed entries, each block
/// followed by a 5-byte trailer (compression type, masked crc32c of block + type); at the end
/// a 48-byte footer: the metaindex and index block handles (varints), padding, and the magic
/// 0xdb4775248b80fb57. The index block maps each data block's last key to its handle.
public struct TFBundleIndex: Sendable {
    /// One variable of the bundle.
    public struct Entry: Sendable, Equatable {
        /// TensorFlow `DataType` code (1 float, 14 bfloat16, 19 half).
        public var dtype: Int
        public var shape: [Int]
        public var shard: Int
        public var offset: Int
        public var size: Int
        /// The unmasked crc32c of the tensor's bytes.
        public var crc32c: UInt32
        /// Whether the entry is a partitioned variable's slice list (not supported).
        public var isSliced: Bool
    }

    public let url: URL
    /// Data shards the bundle says it has.
    public let shardCount: Int
    /// Variables by name.
    public let entries: [String: Entry]

    static let magic: UInt64 = 0xDB47_7524_8B80_FB57

    public init(url: URL) throws(CheckpointError) {
        self.url = url
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw .missingFile(url, expected: "the TensorFlow checkpoint index")
        }
        guard bytes.count >= 48 else { throw .badIndex(url, reason: "it is \(bytes.count) bytes, shorter than a table footer (48)") }
        let footer = bytes.count - 48
        var magic: UInt64 = 0
        for i in 0..<8 { magic |= UInt64(bytes[bytes.count - 8 + i]) << (8 * UInt64(i)) }
        guard magic == Self.magic else { throw .badIndex(url, reason: "its last 8 bytes are not the table magic number, so it is not a TensorFlow checkpoint index") }
        var reader = ProtoReader(bytes: bytes, range: footer..<(bytes.count - 8), url: url, what: "the table footer")
        _ = try reader.handle()  // metaindex: filters and stats, not needed
        let indexHandle = try reader.handle()
        var entries: [String: Entry] = [:]
        var shardCount = 1
        for (_, value) in try Self.block(bytes, indexHandle, url: url) {
            var handleReader = ProtoReader(bytes: value, range: 0..<value.count, url: url, what: "an index block handle")
            for (key, record) in try Self.block(bytes, try handleReader.handle(), url: url) {
                let name = String(decoding: key, as: UTF8.self)
                if key.isEmpty {
                    var header = ProtoReader(bytes: record, range: 0..<record.count, url: url, what: "the bundle header")
                    while let (field, wire) = try header.nextField() {
                        let value = try header.value(wire)
                        if field == 1, case .varint(let n) = value { shardCount = Int(n) }
                        if field == 2, case .varint(let e) = value, e != 0 {
                            throw .badIndex(url, reason: "the checkpoint was written big-endian, which this reader does not support")
                        }
                    }
                } else {
                    entries[name] = try Self.entry(record, name: name, url: url)
                }
            }
        }
        guard shardCount >= 1 && shardCount < 100_000 else { throw .badIndex(url, reason: "its header names \(shardCount) data shards") }
        self.shardCount = shardCount
        self.entries = entries
    }

    /// The key-value pairs of the block at `handle`, after checking its trailer's crc.
    static func block(_ bytes: [UInt8], _ handle: (offset: Int, size: Int), url: URL) throws(CheckpointError)
        -> [([UInt8], [UInt8])] {
        let (offset, size) = handle
        guard offset >= 0, size >= 4, offset + size + 5 <= bytes.count else {
            throw .badIndex(url, reason: "a block at byte \(offset) of \(size) bytes runs past the end of the file (\(bytes.count) bytes)")
        }
        guard bytes[offset + size] == 0 else {
            throw .badIndex(url, reason: "a block at byte \(offset) is compressed (type \(bytes[offset + size])); TensorFlow writes checkpoint indexes uncompressed")
        }
        var stored: UInt32 = 0
        for i in 0..<4 { stored |= UInt32(bytes[offset + size + 1 + i]) << (8 * UInt32(i)) }
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + size + 1)])) }
        guard CRC32C.unmask(stored) == actual else {
            throw .badIndex(url, reason: "the block at byte \(offset) fails its crc32c check (the file is corrupted)")
        }
        let end = offset + size
        let restarts = Int(Self.u32(bytes, end - 4))
        let entriesEnd = end - 4 - 4 * restarts
        guard restarts >= 1, entriesEnd >= offset else { throw .badIndex(url, reason: "the block at byte \(offset) has a bad restart array") }
        var pairs: [([UInt8], [UInt8])] = []
        var reader = ProtoReader(bytes: bytes, range: offset..<entriesEnd, url: url, what: "a table block")
        var key: [UInt8] = []
        while !reader.atEnd {
            let shared = try reader.varint(), unshared = try reader.varint(), valueLength = try reader.varint()
            guard shared <= key.count else { throw .badIndex(url, reason: "a key shares \(shared) bytes with a previous key of \(key.count)") }
            key = Array(key[0..<Int(shared)]) + (try reader.bytes(Int(unshared)))
            pairs.append((key, try reader.bytes(Int(valueLength))))
        }
        return pairs
    }

    static func entry(_ record: [UInt8], name: String, url: URL) throws(CheckpointError) -> Entry {
        var entry = Entry(dtype: 0, shape: [], shard: 0, offset: 0, size: 0, crc32c: 0, isSliced: false)
        var reader = ProtoReader(bytes: record, range: 0..<record.count, url: url, what: "the entry of \(name)")
        while let (field, wire) = try reader.nextField() {
            let value = try reader.value(wire)
            switch (field, value) {
            case (1, .varint(let v)): entry.dtype = Int(truncatingIfNeeded: v)
            case (2, .bytes(let shape)):
                var dims = ProtoReader(bytes: shape, range: 0..<shape.count, url: url, what: "the shape of \(name)")
                while let (dimField, dimWire) = try dims.nextField() {
                    guard dimField == 2, case .bytes(let dim) = try dims.value(dimWire) else { continue }
                    var dimReader = ProtoReader(bytes: dim, range: 0..<dim.count, url: url, what: "a dimension of \(name)")
                    var size = 0
                    while let (f, w) = try dimReader.nextField() {
                        if f == 1, case .varint(let s) = try dimReader.value(w) { size = Int(truncatingIfNeeded: Int64(bitPattern: s)) } else if f != 1 { _ = try dimReader.value(w) }
                    }
                    entry.shape.append(size)
                }
            case (3, .varint(let v)): entry.shard = Int(truncatingIfNeeded: v)
            case (4, .varint(let v)): entry.offset = Int(truncatingIfNeeded: v)
            case (5, .varint(let v)): entry.size = Int(truncatingIfNeeded: v)
            case (6, .fixed32(let v)): entry.crc32c = CRC32C.unmask(v)
            case (7, _): entry.isSliced = true
            default: break
            }
        }
        return entry
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}

/// A cursor over protobuf wire data (and LevelDB varints), throwing `badIndex` on malformed input.
struct ProtoReader {
    enum Value { case varint(UInt64), fixed64(UInt64), bytes([UInt8]), fixed32(UInt32) }

    let bytes: [UInt8]
    var position: Int
    let end: Int
    let url: URL
    let what: String

    init(bytes: [UInt8], range: Range<Int>, url: URL, what: String) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.url = url
        self.what = what
    }

    var atEnd: Bool { position >= end }

    func failure(_ reason: String) -> CheckpointError { .badIndex(url, reason: "\(what) is malformed: \(reason)") }

    mutating func varint() throws(CheckpointError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw failure("a number runs past its end") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw failure("a number is longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func bytes(_ count: Int) throws(CheckpointError) -> [UInt8] {
        guard count >= 0, count <= end - position else { throw failure("a field of \(count) bytes runs past its end") }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A LevelDB block handle: offset and size, two varints.
    mutating func handle() throws(CheckpointError) -> (offset: Int, size: Int) {
        let offset = try varint(), size = try varint()
        guard offset < UInt64(Int.max / 2), size < UInt64(Int.max / 2) else { throw failure("a block handle is out of range") }
        return (Int(offset), Int(size))
    }

    mutating func nextField() throws(CheckpointError) -> (field: Int, wire: Int)? {
        if atEnd { return nil }
        let key = try varint()
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func value(_ wire: Int) throws(CheckpointError) -> Value {
        switch wire {
        case 0: return .varint(try varint())
        case 1:
            let b = try bytes(8)
            return .fixed64(b.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        case 2:
            let length = try varint()
            guard length <= UInt64(end - position) else { throw failure("a field of \(length) bytes runs past its end") }
            return .bytes(try bytes(Int(length)))
        case 5:
            let b = try bytes(4)
            return .fixed32(b.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
        default: throw failure("wire type \(wire) is not one protobuf uses here")
        }
    }
}
