import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer

/// `gpt2 init`: a new, randomly initialised model directory.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a new, randomly initialised GPT-2 in the Hugging Face layout, with GPT-2's tokenizer files."
    )

    @Option(help: "The folder to create (must not already hold a model).")
    var out: String

    @Option(help: "A shape: \(GPT2Config.presetNames.joined(separator: ", ")).")
    var preset: String?

    @Option(help: "Transformer blocks (overrides the preset).")
    var layers: Int?

    @Option(help: "Attention heads (overrides the preset).")
    var heads: Int?

    @Option(help: "Embedding width (overrides the preset).")
    var embd: Int?

    @Option(help: "Context length in tokens (overrides the preset).")
    var context: Int?

    @Option(help: "Vocabulary size (default GPT-2's 50257; other sizes get no tokenizer files).")
    var vocab: Int?

    @Option(help: "Random seed of the initial weights.")
    var seed: UInt64 = 0

    @Flag(help: "Replace a model already in --out.")
    var force = false

    func validate() throws {
        if preset == nil && (layers == nil || heads == nil || embd == nil) {
            throw ValidationError("Give --preset or all of --layers, --heads and --embd.")
        }
    }

    func run() async throws {
        InterruptCleanup.install()
        var config = try reportingErrors { try preset.map(GPT2Config.preset(named:)) ?? GPT2Config() }
        if let layers { config.layerCount = layers }
        if let heads { config.headCount = heads }
        if let embd {
            config.embeddingSize = embd
            config.innerSize = embd.multipliedReportingOverflow(by: 4).overflow ? .max : 4 * embd
        }
        if let context { config.contextLength = context }
        if let vocab {
            config.vocabSize = vocab
            config.endOfTextID = max(vocab, 1) - 1
        }
        try reportingErrors {
            try config.validate()
            // The weights in fp32, plus the copy of them the file writer assembles.
            let bytes = config.fp32ParameterBytes!.multipliedReportingOverflow(by: 2)
            try MemoryBudget.require(bytes.overflow ? nil : bytes.partialValue,
                                     for: "Initialising and saving a model of \(config.parameterCount) parameters",
                                     advice: "choose fewer layers, a smaller width or a smaller vocabulary")
        }

        let directory = URL(fileURLWithPath: out)
        try reportingErrors { try OutputFolder.requireReplaceable(directory, force: force) }
        var generator = Xoshiro256StarStar(seed: seed)
        try reportingErrors {
            let weights = try GPT2Weights.randomlyInitialized(config: config, using: &generator)
            try weights.save(config: config, to: directory, metadata: ["gpt2.init_seed": String(seed)])
            if config.vocabSize == 50257 { try BPETokenizer.writeDefaultFiles(to: directory) }
        }
        let megabytes = Double(config.parameterCount * 4) / 1_000_000
        print("Wrote \(directory.path): \(config.layerCount) layers, \(config.headCount) heads, width \(config.embeddingSize), context \(config.contextLength), \(config.parameterCount) parameters (\(String(format: "%.1f", megabytes)) MB fp32).")
    }
}
