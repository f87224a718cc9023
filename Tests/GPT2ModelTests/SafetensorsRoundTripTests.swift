import Foundation
import GPT2Model
import Testing

/// A fresh folder under the system temporary directory, removed when released.
final class SafetensorsScratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appending(path: "gpt2-safetensors-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appending(path: name) }

    /// Writes a safetensors file by hand: `declaredLength` (default: the header's length) as
    /// 8 little-endian bytes, the header text, then `data`.
    @discardableResult
    func writeRaw(_ name: String, header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> URL {
        let headerBytes = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { Array($0) }
        bytes += headerBytes + data
        let url = file(name)
        try Data(bytes).write(to: url)
        return url
    }

    func fileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// Runs `body`, which must throw a `CheckpointError` about `url` whose message names the file
/// and is one sentence; returns the error for case-specific checks.
@discardableResult
func expectCheckpointError(
    about url: URL, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> CheckpointError? {
    do {
        try body()
        Issue.record("expected a CheckpointError about \(url.lastPathComponent), but nothing was thrown",
                     sourceLocation: sourceLocation)
        return nil
    } catch let error as CheckpointError {
        let message = error.errorDescription ?? ""
        #expect(error.url.standardizedFileURL.path == url.standardizedFileURL.path, sourceLocation: sourceLocation)
        #expect(message.contains(url.lastPathComponent), "message: \(message)", sourceLocation: sourceLocation)
        #expect(message.hasSuffix("."), "message: \(message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Little-endian bytes of 16-bit values.
func littleEndianBytes(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}

@Suite("Safetensors write and read back")
struct SafetensorsRoundTripTests {
    @Test func f32TensorsReadBackExactly() throws {
        let scratch = try SafetensorsScratch()
        let values: [Float] = [0, -0.0, 1, -2.5, .pi, 1e-38, 3.4028235e38, -.infinity, 1.0000001, 7]
        let bias: [Float] = (0 ..< 5).map { Float($0) * 0.1 - 0.2 }
        var writer = SafetensorsWriter()
        writer.add(name: "h.0.attn.c_attn.weight", shape: [2, 5], floats: values)
        writer.add(name: "h.0.attn.c_attn.bias", shape: [5], floats: bias)
        let url = scratch.file("model.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames == ["h.0.attn.c_attn.bias", "h.0.attn.c_attn.weight"])
        let info = try #require(file.tensors["h.0.attn.c_attn.weight"])
        #expect(info.dtype == .f32)
        #expect(info.shape == [2, 5])
        #expect(info.elementCount == 10)
        #expect(info.byteCount == 40)
        let read = try file.floats(of: "h.0.attn.c_attn.weight")
        #expect(read.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try file.floats(of: "h.0.attn.c_attn.bias").map(\.bitPattern) == bias.map(\.bitPattern))
        let raw = try #require(file.bytes(of: "h.0.attn.c_attn.weight"))
        #expect(Array(raw) == values.withUnsafeBytes { Array($0) })
        let pointer = try #require(file.data(of: "h.0.attn.c_attn.weight"))
        #expect(pointer.loadUnaligned(fromByteOffset: 4 * 4, as: Float.self) == .pi)
        #expect(file.data(of: "absent") == nil)
        #expect(file.metadata.isEmpty)
    }

    @Test func f16RawBytesAndValuesReadBack() throws {
        let scratch = try SafetensorsScratch()
        // 1, -2, 65504 (max), 2^-24 (smallest subnormal), +inf, 0.333251953125, -0
        let bits: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555, 0x8000]
        let expected: [Float] = [1, -2, 65504, 5.9604644775390625e-08, .infinity, 0.333251953125, -0.0]
        var writer = SafetensorsWriter()
        let bytes = littleEndianBytes(bits)
        bytes.withUnsafeBytes { writer.add(name: "half", dtype: .f16, shape: [7], bytes: $0) }
        let url = scratch.file("half.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        #expect(file.tensors["half"]?.dtype == .f16)
        #expect(file.tensors["half"]?.byteCount == 14)
        #expect(Array(try #require(file.bytes(of: "half"))) == bytes)
        #expect(try file.floats(of: "half").map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func bf16RawBytesAndValuesReadBack() throws {
        let scratch = try SafetensorsScratch()
        // 1, -3, +inf, smallest subnormal 2^-133, 3.140625 (pi rounded to bf16)
        let bits: [UInt16] = [0x3F80, 0xC040, 0x7F80, 0x0001, 0x4049, 0x0000]
        let expected: [Float] = [1, -3, .infinity, Float(sign: .plus, exponent: -133, significand: 1), 3.140625, 0]
        var writer = SafetensorsWriter()
        let bytes = littleEndianBytes(bits)
        bytes.withUnsafeBytes { writer.add(name: "brain", dtype: .bf16, shape: [2, 3], bytes: $0) }
        let url = scratch.file("bf16.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        #expect(file.tensors["brain"]?.dtype == .bf16)
        #expect(file.tensors["brain"]?.shape == [2, 3])
        #expect(Array(try #require(file.bytes(of: "brain"))) == bytes)
        #expect(try file.floats(of: "brain").map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func scalarAndZeroSizeTensorsReadBack() throws {
        let scratch = try SafetensorsScratch()
        var writer = SafetensorsWriter()
        writer.add(name: "scalar", shape: [], floats: [42.5])
        writer.add(name: "empty", shape: [0, 3], floats: [])
        writer.add(name: "empty.i8", dtype: .i8, shape: [4, 0], bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        let url = scratch.file("shapes.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        let scalar = try #require(file.tensors["scalar"])
        #expect(scalar.shape == [])
        #expect(scalar.elementCount == 1)
        #expect(scalar.byteCount == 4)
        #expect(try file.floats(of: "scalar") == [42.5])
        let empty = try #require(file.tensors["empty"])
        #expect(empty.shape == [0, 3])
        #expect(empty.elementCount == 0)
        #expect(empty.byteCount == 0)
        #expect(try file.floats(of: "empty") == [])
        #expect(file.tensors["empty.i8"]?.shape == [4, 0])
        #expect(file.bytes(of: "empty.i8")?.count == 0)
    }

    @Test func metadataRoundTripsWithEscapes() throws {
        let scratch = try SafetensorsScratch()
        var writer = SafetensorsWriter()
        writer.metadata = [
            "format": "pt",
            "quote\"and\\backslash": "line\nbreak\ttab",
            "unicode": "café ☕︎ 日本",
            "control": "\u{01}\u{1F}",
            "empty": "",
        ]
        writer.add(name: "weird \"name\"\n", shape: [1], floats: [1])
        let url = scratch.file("meta.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == writer.metadata)
        #expect(try file.floats(of: "weird \"name\"\n") == [1])
    }

    @Test func layoutIsAlignedPackedAndDeterministic() throws {
        let scratch = try SafetensorsScratch()
        func makeWriter(reversed: Bool) -> SafetensorsWriter {
            var writer = SafetensorsWriter()
            writer.metadata = ["format": "pt", "a": "b"]
            var adds: [(inout SafetensorsWriter) -> Void] = [
                { $0.add(name: "f32.b", shape: [3], floats: [1, 2, 3]) },
                { $0.add(name: "f32.a", shape: [1], floats: [4]) },
                { w in littleEndianBytes([0x3C00, 0x3C00, 0x3C00]).withUnsafeBytes { w.add(name: "f16", dtype: .f16, shape: [3], bytes: $0) } },
                { w in [UInt8](repeating: 7, count: 16).withUnsafeBytes { w.add(name: "f64", dtype: .f64, shape: [2], bytes: $0) } },
                { w in [UInt8]([1, 2, 3]).withUnsafeBytes { w.add(name: "u8", dtype: .u8, shape: [3], bytes: $0) } },
            ]
            if reversed { adds.reverse() }
            for add in adds { add(&writer) }
            return writer
        }
        let first = scratch.file("first.safetensors")
        let second = scratch.file("second.safetensors")
        try makeWriter(reversed: false).write(to: first)
        try makeWriter(reversed: true).write(to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        #expect(try Data(contentsOf: first) == Data(makeWriter(reversed: false).serialized(for: first)))

        let file = try SafetensorsFile(url: first)
        #expect(file.dataSectionOffset % 8 == 0)
        // Descending element size, then name; packed back to back from offset 0.
        #expect(file.orderedTensors.map(\.name) == ["f64", "f32.a", "f32.b", "f16", "u8"])
        #expect(file.orderedTensors.map(\.byteOffset) == [0, 16, 20, 32, 38])
        for info in file.orderedTensors {
            #expect(file.isNaturallyAligned(info.name) == true)
        }
        #expect(file.fileSize == file.dataSectionOffset + 41)
    }

    @Test func unalignedTensorsAreReadCorrectly() throws {
        let scratch = try SafetensorsScratch()
        // A U8 tensor first puts the F32 tensor at an odd address (legal in the format).
        var header = #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#
        while (8 + header.utf8.count) % 8 != 0 { header += " " }
        let floats: [Float] = [1.5, -0.25]
        let url = try scratch.writeRaw("odd.safetensors", header: header, data: [9] + floats.withUnsafeBytes { Array($0) })
        let file = try SafetensorsFile(url: url)
        #expect(file.isNaturallyAligned("w") == false)
        #expect(try file.floats(of: "w") == floats)
        #expect(file.bytes(of: "b").map(Array.init) == [9])
    }
}
