import Foundation
import GPT2Model
import GPT2Training

/// `Tests/Fixtures/training/`, written by Scripts/make-training-fixtures.py with PyTorch and
/// Hugging Face transformers: a tiny GPT-2 (tiny/), the gradients of one batch's loss
/// (gradients.safetensors) and a ten-step AdamW run (reference.json).
struct TrainingFixture: Decodable {
    struct Batch: Decodable {
        let inputs: [[Int32]]
        let targets: [[Int32]]
        let loss: Double?

        var tokenBatch: TokenBatch {
            TokenBatch(inputs: inputs.flatMap { $0 }, targets: targets.flatMap { $0 },
                       batch: inputs.count, time: inputs.first?.count ?? 0)
        }
    }
    struct Step: Decodable {
        let micro_batches: [Batch]
        let loss: Double
        let lr: Double
        let grad_norm: Double
    }
    struct Run: Decodable {
        let steps: Int
        let accumulate: Int
        let lr: Float
        let warmup: Int
        let min_lr_fraction: Float
        let beta1: Float
        let beta2: Float
        let eps: Float
        let weight_decay: Float
        let clip: Float
        let steps_run: [Step]
        let final_batch: Batch
        /// Values of a few parameters after the run, by `ParameterLayout` name.
        let final_parameters: [String: [Float]]
    }
    let batch: Batch
    let adamw: Run

    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training")

    static var modelFolder: URL { folder.appendingPathComponent("tiny") }

    static func load() throws -> TrainingFixture {
        let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(TrainingFixture.self, from: data)
    }

    /// The tiny model's parameters as a fresh buffer.
    static func parameters() throws -> ParameterBuffer {
        try ParameterBuffer(model: GPT2Model.load(directory: modelFolder))
    }

    /// PyTorch's gradient of every parameter, by `ParameterLayout` name.
    static func gradients() throws -> [String: [Float]] {
        let file = try SafetensorsFile(url: folder.appendingPathComponent("gradients.safetensors"))
        var out: [String: [Float]] = [:]
        for name in file.tensorNames {
            out[String(name.dropFirst(CheckpointDirectory.tensorPrefix.count))] = try file.floats(of: name)
        }
        return out
    }
}
