import Foundation
import GPT2Model

/// `Tests/Fixtures/models/<name>/reference.json`, written by Scripts/make-fixtures.sh from
/// Hugging Face transformers.
struct ReferenceFixture: Decodable {
    struct TopLogits: Decodable {
        let ids: [Int]
        let values: [Float]
    }
    struct Case: Decodable {
        let text: String?
        let ids: [Int]
        let token_logprobs: [Double?]
        let argmax: [Int]
        let argmax_gaps: [Double]
        let last_top_logits: TopLogits
        let last_logits: [Float]?
    }
    struct Greedy: Decodable {
        let prompt_ids: [Int]
        let max_new_tokens: Int
        let ids: [Int]
    }
    let magic: String
    let version: Int
    let name: String
    let weights_dtype: String
    let cases: [Case]
    let greedy: Greedy
    let batch: [Case]

    /// fp32 files: 1e-4; fp16/bf16 files (same fp32 compute, fewer bits in the reference's
    /// weights than ours only through ordering): 2e-3, the targets.
    var tolerance: Double { weights_dtype == "float32" ? 1e-4 : 2e-3 }

    static let modelsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static let allNames = ["full-vocab-f32", "full-vocab-f16", "odd-f32", "odd-bf16", "sharded",
                           "with-prefix", "no-prefix", "hub-layout"]

    static func folder(_ name: String) -> URL { modelsFolder.appendingPathComponent(name) }

    static func load(_ name: String) throws -> ReferenceFixture {
        let data = try Data(contentsOf: folder(name).appendingPathComponent("reference.json"))
        let fixture = try JSONDecoder().decode(ReferenceFixture.self, from: data)
        guard fixture.magic == "gpt2-reference", fixture.version == 1 else {
            throw FixtureError.stale("\(name)/reference.json has magic \(fixture.magic) v\(fixture.version); rerun Scripts/make-fixtures.sh")
        }
        return fixture
    }

    enum FixtureError: Error { case stale(String) }
}

/// Log-softmax of one logits row in double precision, as the reference computes it.
func logSoftmax(_ row: UnsafeMutableBufferPointer<Float>) -> [Double] {
    let maxValue = Double(row.max()!)
    let sum = row.reduce(0.0) { $0 + exp(Double($1) - maxValue) }
    let logSum = maxValue + log(sum)
    return row.map { Double($0) - logSum }
}
