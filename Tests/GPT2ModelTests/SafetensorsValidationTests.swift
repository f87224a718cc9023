import Foundation
import GPT2Model
import Testing

@Suite("SafetensorsFile rejects malformed files with a clear error")
struct SafetensorsValidationTests {
    /// A valid two-tensor file (F32 [2, 3] then F32 [3]: 36 data bytes).
    private func validFile(in scratch: SafetensorsScratch, name: String = "model.safetensors") throws -> URL {
        var writer = SafetensorsWriter()
        writer.add(name: "w", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        writer.add(name: "b", shape: [3], floats: [7, 8, 9])
        let url = scratch.file(name)
        try writer.write(to: url)
        return url
    }

    private func expectBadHeader(
        _ url: URL, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = expectCheckpointError(about: url, sourceLocation: sourceLocation) { _ = try SafetensorsFile(url: url) }
        guard case .badHeader(_, let reason)? = error else {
            Issue.record("expected badHeader, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
    }

    @Test func truncatedFileReportsPromisedAndHeldBytes() throws {
        let scratch = try SafetensorsScratch()
        let url = try validFile(in: scratch)
        let bytes = try Data(contentsOf: url)
        try bytes.dropLast(5).write(to: url)
        let error = expectCheckpointError(about: url) { _ = try SafetensorsFile(url: url) }
        #expect(error == .truncated(url, expectedBytes: 36, actualBytes: 31))
        #expect(error?.errorDescription
            == "\(url.path) is truncated: the header promises 36 bytes of tensor data but the file holds 31.")
    }

    @Test func truncatedMessageGroupsThousands() {
        let url = URL(filePath: "/models/gpt2/model.safetensors")
        let error = CheckpointError.truncated(url, expectedBytes: 497_759_232, actualBytes: 1024)
        #expect(error.errorDescription == "/models/gpt2/model.safetensors is truncated: the header promises "
            + "497,759,232 bytes of tensor data but the file holds 1,024.")
    }

    @Test func missingEmptyAndDirectoryPathsAreReported() throws {
        let scratch = try SafetensorsScratch()
        let missing = scratch.file("absent.safetensors")
        #expect(expectCheckpointError(about: missing) { _ = try SafetensorsFile(url: missing) }
            == .missingFile(missing, expected: "a safetensors file"))

        let empty = scratch.file("empty.safetensors")
        try Data().write(to: empty)
        #expect(expectCheckpointError(about: empty) { _ = try SafetensorsFile(url: empty) } == .emptyFile(empty))

        let folder = scratch.file("folder.safetensors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let error = expectCheckpointError(about: folder) { _ = try SafetensorsFile(url: folder) }
        guard case .unreadableFile(_, let reason)? = error else {
            Issue.record("expected unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("directory"))
    }

    @Test func headerThatIsNotJSONIsRejected() throws {
        let scratch = try SafetensorsScratch()
        expectBadHeader(try scratch.writeRaw("a.safetensors", header: #"{"w": {"dtype": "F32", "#), mentioning: "not valid JSON")
        expectBadHeader(try scratch.writeRaw("b.safetensors", header: "[1, 2]"), mentioning: "expected a JSON object")
    }

    @Test func headerLengthBeyondTheFileIsRejected() throws {
        let scratch = try SafetensorsScratch()
        let url = try scratch.writeRaw("long.safetensors", header: "{}      ", declaredLength: 5000)
        expectBadHeader(url, mentioning: "5,000 bytes of JSON header, but only 8 bytes follow")
        let huge = try scratch.writeRaw("huge.safetensors", header: "{}      ", declaredLength: 200_000_000)
        expectBadHeader(huge, mentioning: "more than the 100,000,000 allowed")
        let tiny = try scratch.writeRaw("tiny.safetensors", header: "{}      ", declaredLength: 1)
        expectBadHeader(tiny, mentioning: "at least 2 bytes")
        let stub = scratch.file("stub.safetensors")
        try Data([1, 2, 3]).write(to: stub)
        expectBadHeader(stub, mentioning: "shorter than the 8-byte header length field")
    }

    @Test func unknownDTypeNamesTensorAndDType() throws {
        let scratch = try SafetensorsScratch()
        let url = try scratch.writeRaw(
            "fp8.safetensors", header: #"{"h.0.mlp.c_fc.weight":{"dtype":"F8_E9M0","shape":[2],"data_offsets":[0,2]}}"#,
            data: [0, 0])
        let error = expectCheckpointError(about: url) { _ = try SafetensorsFile(url: url) }
        #expect(error == .unknownDType(url, tensor: "h.0.mlp.c_fc.weight", dtype: "F8_E9M0"))
        #expect(error?.errorDescription?.contains("h.0.mlp.c_fc.weight") == true)
        #expect(error?.errorDescription?.contains("F8_E9M0") == true)
    }

    @Test func malformedTensorEntriesAreRejected() throws {
        let scratch = try SafetensorsScratch()
        let cases: [(header: String, data: Int, fragment: String)] = [
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, 4, "needs 8 bytes"),
            (#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8, "no shape array"),
            (#"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, 8, "no shape array"),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, 8, "no data_offsets"),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, "no data_offsets"),
            (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, 8, "no dtype"),
            (#"{"w":[1,2]}"#, 0, "expected an object"),
            (#"{"__metadata__":{"n":1}}"#, 0, "__metadata__ field 'n'"),
            (#"{"w":{"dtype":"F32","shape":[4611686018427387904, 4],"data_offsets":[0,8]}}"#, 8, "too large"),
        ]
        for (index, entry) in cases.enumerated() {
            let url = try scratch.writeRaw("bad\(index).safetensors", header: entry.header,
                                           data: [UInt8](repeating: 0, count: entry.data))
            expectBadHeader(url, mentioning: entry.fragment)
        }
    }

    @Test func gapsOverlapsAndTrailingBytesAreRejected() throws {
        let scratch = try SafetensorsScratch()
        let gap = try scratch.writeRaw(
            "gap.safetensors",
            header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}"#,
            data: [UInt8](repeating: 0, count: 6))
        expectBadHeader(gap, mentioning: "tensor 'b' starts at data offset 4 but the previous tensor 'a' ends at 2")
        let overlap = try scratch.writeRaw(
            "overlap.safetensors",
            header: #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#,
            data: [UInt8](repeating: 0, count: 4))
        expectBadHeader(overlap, mentioning: "overlaps")
        let trailing = try scratch.writeRaw(
            "trailing.safetensors", header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#,
            data: [UInt8](repeating: 0, count: 5))
        expectBadHeader(trailing, mentioning: "3 bytes after the end of the last tensor's data")
    }

    @Test func validHandMadeEdgeCasesAreAccepted() throws {
        let scratch = try SafetensorsScratch()
        // Empty header object, no data; and a zero-size tensor sharing offset 0 with a scalar.
        let empty = try SafetensorsFile(url: try scratch.writeRaw("none.safetensors", header: "{}"))
        #expect(empty.tensors.isEmpty)
        #expect(empty.dataSectionOffset == 10)
        let shared = try SafetensorsFile(url: try scratch.writeRaw(
            "shared.safetensors",
            header: #"{"s":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"__metadata__":{"k":"v"}}"#,
            data: [1, 0, 0, 0]))
        #expect(shared.orderedTensors.map(\.name) == ["z", "s"])
        #expect(shared.metadata == ["k": "v"])
        #expect(shared.data(of: "s")?.loadUnaligned(as: Int32.self) == 1)
        #expect(throws: CheckpointError.unsupportedDType(shared.url, tensor: "s", dtype: .i32, expected: [.f32, .f16, .bf16])) {
            _ = try shared.floats(of: "s")
        }
    }
}
