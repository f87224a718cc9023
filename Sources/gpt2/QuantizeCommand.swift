import ArgumentParser
import Foundation
import GPT2Kernels
import GPT2Model
import GPT2Tokenizer

/// `gpt2 quantize`: rewrite a model's weights in a narrower format.
struct QuantizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write a copy of a model with f16, bf16, int8 or 4-bit (q4) weights.",
        discussion: """
            f16 and bf16 folders stay loadable by Hugging Face transformers. int8 (one scale per
            output row) and q4 (blocks of 32 with an f16 scale) are this tool's formats: every
            gpt2 command loads them directly. Activations are always computed in fp32.
            """
    )

    @Option(help: "The source model folder (f32, f16 or bf16 weights).")
    var model: String

    @Option(help: "Target format: f32, f16, bf16, int8 or q4.")
    var to: String

    @Option(help: "The folder to write (not the source folder).")
    var out: String

    @Flag(help: "Replace a model already in --out.")
    var force = false

    func run() async throws {
        InterruptCleanup.install()
        guard let format = WeightMatrix.Format(rawValue: to) else {
            throw CommandFailure("--to must be one of \(WeightMatrix.Format.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(to)\".")
        }
        let source = URL(fileURLWithPath: try await localModelPath(model)).standardizedFileURL
        let destination = URL(fileURLWithPath: out).standardizedFileURL
        let weightsURL = destination.appendingPathComponent(CheckpointDirectory.singleFileName)
        try reportingErrors {
            try OutputFolder.requireSeparate(destination, from: source)
            try OutputFolder.requireReplaceable(destination, force: force)
        }
        let loaded = try reportingErrors { try GPT2Model.load(directory: source) }
        let converted = try reportingErrors {
            try loaded.weights.converted(to: format, config: loaded.config, quantize: Quantizer.quantize)
        }
        try reportingErrors {
            try converted.save(config: loaded.config, to: destination,
                               metadata: ["gpt2.converted_from": source.lastPathComponent])
            try copyTokenizerFiles(from: source, to: destination)
        }
        let megabytes = Double((try? FileManager.default.attributesOfItem(atPath: weightsURL.path)[.size] as? Int) ?? 0) / 1e6
        print("Wrote \(destination.path): \(format.rawValue) weights, \(String(format: "%.1f", megabytes)) MB; \(String(format: "%.1f", Double(converted.byteCount) / 1e6)) MB streamed per token.")
    }

    private func copyTokenizerFiles(from source: URL, to destination: URL) throws {
        let names = Set(BPETokenizer.directoryLayouts.flatMap { $0 }).sorted()
        try OutputFolder.copyFiles(names, from: source, to: destination)
    }
}
