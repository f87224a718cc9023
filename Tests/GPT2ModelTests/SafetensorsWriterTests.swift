import Foundation
import GPT2Model
import Testing

@Suite("SafetensorsWriter atomic writes and input checks")
struct SafetensorsWriterTests {
    @Test func overwriteReplacesFileAndLeavesNoTemporaryFiles() throws {
        let scratch = try SafetensorsScratch()
        let url = scratch.file("model.safetensors")
        var writer = SafetensorsWriter()
        writer.add(name: "x", shape: [2], floats: [1, 2])
        try writer.write(to: url)
        writer = SafetensorsWriter()
        writer.add(name: "y", shape: [3], floats: [3, 4, 5])
        try writer.write(to: url)

        #expect(try scratch.fileNames() == ["model.safetensors"])
        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames == ["y"])
        #expect(try file.floats(of: "y") == [3, 4, 5])
    }

    @Test func headerIsWhatHuggingFaceWrites() throws {
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt"]
        writer.add(name: "a", shape: [2], floats: [1, 2])
        let bytes = try writer.serialized(for: URL(filePath: "/tmp/x.safetensors"))
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2 ..< 8].allSatisfy { $0 == 0 })
        let header = String(decoding: bytes[8 ..< 8 + headerLength], as: UTF8.self)
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        // JSON, then spaces up to the next multiple of 8 bytes (counting the 8-byte length).
        #expect(header.hasPrefix(json))
        #expect(header.dropFirst(json.utf8.count).allSatisfy { $0 == " " })
        #expect((8 + headerLength) % 8 == 0)
        #expect(headerLength - json.utf8.count < 8)
        #expect(bytes.count == 8 + headerLength + 8)
    }

    @Test func missingFolderFailsWithoutLeavingFiles() throws {
        let scratch = try SafetensorsScratch()
        let url = scratch.file("no-such-folder").appending(path: "model.safetensors")
        var writer = SafetensorsWriter()
        writer.add(name: "x", shape: [1], floats: [1])
        let error = expectCheckpointError(about: url) { try writer.write(to: url) }
        guard case .writeFailed(_, let reason)? = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("does not exist"))
        #expect(try scratch.fileNames() == [])
    }

    @Test func wrongByteCountIsRejectedAndKeepsTheOldFile() throws {
        let scratch = try SafetensorsScratch()
        let url = scratch.file("model.safetensors")
        var good = SafetensorsWriter()
        good.add(name: "x", shape: [1], floats: [1])
        try good.write(to: url)
        let before = try Data(contentsOf: url)

        var bad = SafetensorsWriter()
        bad.add(name: "w", shape: [2, 3], floats: [1, 2, 3, 4, 5])
        let error = expectCheckpointError(about: url) { try bad.write(to: url) }
        #expect(error == .invalidTensor(url, tensor: "w", reason: "shape [2, 3] of F32 needs 24 bytes but 20 were given"))
        #expect(try Data(contentsOf: url) == before)
        #expect(try scratch.fileNames() == ["model.safetensors"])
    }

    @Test func duplicateAndReservedNamesAreRejected() throws {
        let scratch = try SafetensorsScratch()
        let url = scratch.file("dup.safetensors")
        var writer = SafetensorsWriter()
        writer.add(name: "x", shape: [1], floats: [1])
        writer.add(name: "x", shape: [1], floats: [2])
        let error = expectCheckpointError(about: url) { try writer.write(to: url) }
        guard case .invalidTensor(_, "x", _)? = error else {
            Issue.record("expected invalidTensor for x, got \(String(describing: error))")
            return
        }
        var reserved = SafetensorsWriter()
        reserved.add(name: "__metadata__", shape: [1], floats: [1])
        let second = expectCheckpointError(about: url) { try reserved.write(to: url) }
        guard case .invalidTensor(_, "__metadata__", _)? = second else {
            Issue.record("expected invalidTensor for __metadata__, got \(String(describing: second))")
            return
        }
        #expect(try scratch.fileNames() == [])
    }
}
