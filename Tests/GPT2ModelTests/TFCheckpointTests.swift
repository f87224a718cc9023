import Foundation
import GPT2Model
import Testing

/// TensorFlow checkpoints (gpt-2-simple's and OpenAI's layout) read without TensorFlow, against
/// a checkpoint TensorFlow wrote (Scripts/make-tf-fixtures.py) from the weights of the
/// `with-prefix` Hugging Face fixture.
@Suite struct TFCheckpointTests {
    static let folder = ReferenceFixture.modelsFolder.deletingLastPathComponent().appending(path: "tf/with-prefix")
    let workspace = ForwardWorkspace(threads: 1)

    @Test func crc32c_matchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.unmask(CRC32C.mask(0x1234_5678)) == 0x1234_5678)
    }

    @Test func variableNames_followGPT2sTensorFlowSpelling() {
        #expect(TFCheckpoint.variableName("wte.weight") == "model/wte")
        #expect(TFCheckpoint.variableName("h.11.attn.c_attn.weight") == "model/h11/attn/c_attn/w")
        #expect(TFCheckpoint.variableName("h.0.ln_2.weight") == "model/h0/ln_2/g")
        #expect(TFCheckpoint.variableName("h.0.mlp.c_proj.bias") == "model/h0/mlp/c_proj/b")
        #expect(TFCheckpoint.variableName("ln_f.bias") == "model/ln_f/b")
    }

    @Test func folder_isRecognizedAndReadsItsHyperparameters() throws {
        #expect(TFCheckpoint.isCheckpointFolder(Self.folder))
        #expect(!TFCheckpoint.isCheckpointFolder(ReferenceFixture.folder("with-prefix")))
        let checkpoint = try TFCheckpoint(folder: Self.folder)
        // The `checkpoint` file names an absolute path of the machine that wrote it.
        #expect(checkpoint.prefix.lastPathComponent == "model-5")
        #expect(checkpoint.config.vocabSize == 400 && checkpoint.config.layerCount == 2 && checkpoint.config.embeddingSize == 24)
        #expect(checkpoint.config.endOfTextID == 399)
        #expect(checkpoint.index.entries["model/wte/Adam"] != nil, "the fixture keeps gpt-2-simple's optimizer slots")
    }

    /// Same weights, same kernels: the logits equal the Hugging Face folder's bit for bit, and
    /// the log-probabilities match transformers' reference.
    @Test func logits_equalTheHuggingFaceFixtureOfTheSameWeights() throws {
        let tf = try GPT2Model.load(tensorFlowFolder: Self.folder)
        let hf = try GPT2Model.load(directory: ReferenceFixture.folder("with-prefix"))
        let fixture = try ReferenceFixture.load("with-prefix")
        for item in fixture.cases {
            let a = try tf.forward([.init(tokens: item.ids, cache: tf.makeCache())], logits: .all, workspace: workspace)
            let tfRows = (0..<item.ids.count).map { a.array(row: $0) }
            let b = try hf.forward([.init(tokens: item.ids, cache: hf.makeCache())], logits: .all, workspace: workspace)
            let hfRows = (0..<item.ids.count).map { b.array(row: $0) }
            #expect(tfRows == hfRows, "logits differ from the Hugging Face folder's")
            var worst = 0.0
            let c = try tf.forward([.init(tokens: item.ids, cache: tf.makeCache())], logits: .all, workspace: workspace)
            for t in 1..<item.ids.count {
                worst = max(worst, abs(logSoftmax(c[t - 1])[item.ids[t]] - item.token_logprobs[t]!))
            }
            #expect(worst <= fixture.tolerance)
        }
    }

    /// A copy of the fixture in a temporary folder, for damaging.
    static func copy() throws -> URL {
        let target = FileManager.default.temporaryDirectory.appending(path: "tf-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: folder, to: target)
        return target
    }

    static func flipByte(_ url: URL, at offset: (Int) -> Int) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[offset(bytes.count)] ^= 0x5A
        try Data(bytes).write(to: url)
    }

    @Test func corruptedIndex_namesTheIndexFile() throws {
        let folder = try Self.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = folder.appending(path: "model-5.index")
        try Self.flipByte(index) { _ in 40 }  // inside the first data block
        #expect {
            _ = try GPT2Model.load(tensorFlowFolder: folder)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("model-5.index") && message.contains("crc32c")
        }
        try Data([1, 2, 3]).write(to: index)
        #expect {
            _ = try GPT2Model.load(tensorFlowFolder: folder)
        } throws: { error in
            ((error as? LocalizedError)?.errorDescription ?? "").contains("model-5.index")
        }
    }

    @Test func truncatedShard_namesTheShard() throws {
        let folder = try Self.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shard = folder.appending(path: "model-5.data-00000-of-00001")
        let bytes = try Data(contentsOf: shard)
        try bytes.prefix(bytes.count / 2).write(to: shard)
        #expect {
            _ = try GPT2Model.load(tensorFlowFolder: folder)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("model-5.data-00000-of-00001")
        }
    }

    @Test func wrongChecksum_namesTheShardAndTensor() throws {
        let folder = try Self.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try TFCheckpoint(folder: folder)
        let entry = checkpoint.index.entries["model/h1/mlp/c_fc/w"]!
        try Self.flipByte(folder.appending(path: "model-5.data-00000-of-00001")) { _ in entry.offset + 8 }
        #expect {
            _ = try GPT2Model.load(tensorFlowFolder: folder)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("model-5.data-00000-of-00001") && message.contains("model/h1/mlp/c_fc/w")
                && message.contains("crc32c")
        }
    }

    @Test func missingHyperparameters_sayWhatIsExpected() throws {
        let folder = try Self.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appending(path: "hparams.json"))
        #expect {
            _ = try TFCheckpoint(folder: folder)
        } throws: { error in
            ((error as? LocalizedError)?.errorDescription ?? "").contains("hparams.json")
        }
    }
}

/// `TFCheckpointWriter` writes what `TFCheckpoint` (and TensorFlow: checked by hand with
/// `tf.train.load_checkpoint`, see the commit) reads back, exactly.
@Suite struct TFCheckpointWriterTests {
    @Test(arguments: ["with-prefix", "full-vocab-f16"])
    func roundTrip_givesTheSameLogits(name: String) throws {
        let hf = try GPT2Model.load(directory: ReferenceFixture.folder(name))
        let folder = FileManager.default.temporaryDirectory.appending(path: "tf-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try TFCheckpointWriter.write(hf.weights, config: hf.config, to: folder, step: 7)
        #expect(FileManager.default.fileExists(atPath: folder.appending(path: "model-7.index").path))
        let tf = try GPT2Model.load(tensorFlowFolder: folder)
        #expect(tf.config.vocabSize == hf.config.vocabSize && tf.config.layerCount == hf.config.layerCount)
        let workspace = ForwardWorkspace(threads: 1)
        let ids = [3, 1, 4, 1, 5, 9, 2, 6]
        let a = try tf.forward([.init(tokens: ids, cache: tf.makeCache())], logits: .all, workspace: workspace)
        let tfRows = (0..<ids.count).map { a.array(row: $0) }
        let b = try hf.forward([.init(tokens: ids, cache: hf.makeCache())], logits: .all, workspace: workspace)
        let hfRows = (0..<ids.count).map { b.array(row: $0) }
        // fp16 weights widen exactly to the fp32 the checkpoint stores, but fp32 weights run
        // other kernels (another summation order): exact for fp32, rounding-close for fp16.
        let worst = zip(tfRows.joined(), hfRows.joined()).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= (name == "with-prefix" ? 0 : 1e-4), "largest logit difference \(worst)")
    }
}
