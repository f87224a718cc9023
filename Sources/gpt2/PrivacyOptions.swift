import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Privacy

/// The privacy guards' flags, shared by `generate` and `serve`.
struct PrivacyOptions: ParsableArguments {
    @Option(name: .customLong("block-verbatim"), parsing: .unconditional,
            help: "Refuse tokens that would complete a run of N or more tokens copied from the training text (needs the model's verbatim.idx; 0: off).")
    var blockVerbatim: Int?

    @Option(name: .customLong("verbatim-index"), help: "The verbatim index to use (default: verbatim.idx in the model folder).")
    var verbatimIndex: String?

    @Option(help: "A file of words and phrases (one per line) that are never generated, whichever tokens spell them.")
    var blocklist: String?

    @Option(name: .customLong("output-filter"),
            help: "Personal details (e-mail addresses, phone numbers, URLs, @handles, --names) in the output: off, redact or reject (end the text before the first).")
    var outputFilter: OutputFilterMode?

    @Option(help: "A file of names (one per line) the output filter also treats as personal details.")
    var names: String?

    func validate() throws {
        if let blockVerbatim, blockVerbatim < 0 {
            throw ValidationError("--block-verbatim must be 0 (off) or a number of tokens, but got \(blockVerbatim).")
        }
    }

    /// The guards for a model in `modelDirectory`, checked against its index.
    func load(modelDirectory: URL, blockVerbatimDefault: Int = 0, outputFilterDefault: OutputFilterMode = .off) throws -> PrivacyGuards {
        try reportingErrors {
            let guards = try PrivacyGuards.load(modelDirectory: modelDirectory, indexPath: verbatimIndex,
                                                blockVerbatim: blockVerbatim ?? blockVerbatimDefault,
                                                blocklistPath: blocklist, outputFilter: outputFilter ?? outputFilterDefault,
                                                namesPath: names)
            try guards.validate(naming: .commandLine)
            return guards
        }
    }
}

extension OutputFilterMode: ExpressibleByArgument {}

extension PrivacyReport {
    /// One line for stderr, or `nil` when the guards did nothing.
    var summary: String? {
        var parts: [String] = []
        if verbatimRefusals > 0 { parts.append("\(verbatimRefusals) tokens refused as verbatim copies of the training text") }
        if blocklistRefusals > 0 { parts.append("\(blocklistRefusals) tokens refused by the blocklist") }
        for category in PIIScrubber.Category.allCases {
            if let count = redactions[category] { parts.append("\(count) \(category.rawValue) \(rejected ? "found; text ended before it" : "redacted")") }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The report in `--json` output.
    struct JSON: Encodable {
        let verbatim_refusals: Int
        let blocklist_refusals: Int
        let redactions: [String: Int]
        let rejected: Bool
    }

    var encodable: JSON {
        JSON(verbatim_refusals: verbatimRefusals, blocklist_refusals: blocklistRefusals,
             redactions: Dictionary(uniqueKeysWithValues: redactions.map { ($0.key.rawValue, $0.value) }), rejected: rejected)
    }
}
