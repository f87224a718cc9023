import ArgumentParser
import Foundation
import GPT2Kernels
import GPT2Model

/// `gpt2 convert`: TensorFlow checkpoints (gpt-2-simple, OpenAI) to Hugging Face folders, and back.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model between the TensorFlow (gpt-2-simple, OpenAI) and Hugging Face layouts.",
        discussion: """
            --from reads a Hugging Face folder (config.json, model.safetensors) or a TensorFlow \
            checkpoint folder (checkpoint, model-N.index, model-N.data-*, hparams.json). --to writes \
            the Hugging Face layout that transformers loads; --to-tf writes a folder gpt-2-simple \
            and OpenAI's code load (fp32, tied output layer). Tokenizer files are copied under \
            each layout's names (vocab.json / merges.txt, encoder.json / vocab.bpe).
            """
    )

    @Option(name: .customLong("from"), help: "The model folder to read.")
    var source: String

    @Option(name: .customLong("to"), help: "Write a Hugging Face folder here.")
    var huggingFaceOut: String?

    @Option(name: .customLong("to-tf"), help: "Write a TensorFlow (gpt-2-simple) checkpoint folder here.")
    var tensorFlowOut: String?

    @Option(help: "Weight format of a Hugging Face output: f32, f16 or bf16.")
    var dtype = "f32"

    @Flag(help: "Replace a model already in the output folder.")
    var force = false

    /// (name in a Hugging Face folder, name in a TensorFlow folder) of the tokenizer files.
    static let tokenizerNames = [("vocab.json", "encoder.json"), ("merges.txt", "vocab.bpe")]

    func validate() throws {
        guard (huggingFaceOut == nil) != (tensorFlowOut == nil) else {
            throw ValidationError("Give exactly one of --to DIR (Hugging Face) or --to-tf DIR (TensorFlow).")
        }
        guard ["f32", "f16", "bf16"].contains(dtype) else {
            throw ValidationError("--dtype must be f32, f16 or bf16, not \"\(dtype)\".")
        }
        if tensorFlowOut != nil && dtype != "f32" {
            throw ValidationError("--to-tf writes fp32 weights (what gpt-2-simple loads); leave out --dtype.")
        }
    }

    func run() async throws {
        InterruptCleanup.install()
        let input = URL(fileURLWithPath: try await localModelPath(source)).standardizedFileURL
        let output = URL(fileURLWithPath: huggingFaceOut ?? tensorFlowOut!).standardizedFileURL
        let toTensorFlow = tensorFlowOut != nil
        try reportingErrors {
            try OutputFolder.requireSeparate(output, from: input)
            try OutputFolder.requireReplaceable(output, force: force)
            if toTensorFlow && !force && FileManager.default.fileExists(atPath: output.appending(path: "checkpoint").path) {
                throw CommandFailure("\(output.path) already holds a TensorFlow checkpoint; pass --force to replace it.")
            }
        }
        let fromTensorFlow = TFCheckpoint.isCheckpointFolder(input)
        let model = try reportingErrors {
            fromTensorFlow ? try GPT2Model.load(tensorFlowFolder: input) : try GPT2Model.load(directory: input)
        }
        try reportingErrors {
            if toTensorFlow {
                try TFCheckpointWriter.write(model.weights, config: model.config, to: output)
            } else {
                let format = WeightMatrix.Format(rawValue: dtype)!
                let weights = try model.weights.converted(to: format, config: model.config, quantize: Quantizer.quantize)
                try weights.save(config: model.config, to: output, metadata: ["gpt2.converted_from": input.lastPathComponent])
            }
            try copyTokenizer(from: input, to: output, toTensorFlow: toTensorFlow)
        }
        let layout = toTensorFlow ? "TensorFlow checkpoint" : "Hugging Face folder (\(dtype))"
        print("Wrote \(output.path): \(layout) of a \(model.config.layerCount)-layer, \(model.config.embeddingSize)-wide GPT-2.")
    }

    /// Copies the tokenizer files under the output layout's names, whichever names the input uses.
    private func copyTokenizer(from input: URL, to output: URL, toTensorFlow: Bool) throws {
        let fm = FileManager.default
        for (hf, tf) in Self.tokenizerNames {
            guard let found = [hf, tf].map({ input.appending(path: $0) }).first(where: { fm.fileExists(atPath: $0.path) }) else {
                continue
            }
            let data: Data
            do { data = try Data(contentsOf: found) } catch {
                throw CommandFailure("\(found.path) cannot be read, so the tokenizer was not copied.")
            }
            try AtomicFile.write([Array(data)], to: output.appending(path: toTensorFlow ? tf : hf))
        }
    }
}
