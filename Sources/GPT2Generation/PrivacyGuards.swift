import Foundation
import GPT2Privacy
import GPT2Tokenizer

/// The privacy guards a server or a command applies to every generation, and the defaults that
/// requests can only make stricter: a request may ask for a shorter verbatim limit or a stricter
/// output filter than these, never a looser one.
public struct PrivacyGuards: Sendable {
    /// The training text's windows, for the verbatim guard and `gpt2 audit`.
    public var verbatimIndex: VerbatimIndex?
    /// Refuse runs of this many tokens or more copied from the training text (0: off).
    public var blockVerbatim: Int
    /// Phrases never generated.
    public var blocklist: Blocklist?
    /// What to do with personal details in the output.
    public var outputFilter: OutputFilterMode
    /// The detectors of the output filter (with the names list, if any).
    public var scrubber: PIIScrubber

    /// No guards, unless a request asks for the output filter.
    public static let none = PrivacyGuards()

    public init(verbatimIndex: VerbatimIndex? = nil, blockVerbatim: Int = 0, blocklist: Blocklist? = nil,
                outputFilter: OutputFilterMode = .off, scrubber: PIIScrubber = PIIScrubber()) {
        self.verbatimIndex = verbatimIndex
        self.blockVerbatim = blockVerbatim
        self.blocklist = blocklist
        self.outputFilter = outputFilter
        self.scrubber = scrubber
    }

    /// Checks the defaults against the index.
    public func validate(naming: ParameterNaming = .swift) throws(GenerationError) {
        _ = try verbatimLimit(requested: nil, naming: naming)
    }

    /// The verbatim limit for a request: the stricter (shorter) of the default and the request's,
    /// `0` when neither asks.
    func verbatimLimit(requested: Int?, naming: ParameterNaming) throws(GenerationError) -> Int {
        let name = naming.name("blockVerbatim")
        var limits: [Int] = []
        for value in [blockVerbatim, requested ?? 0] where value != 0 {
            guard value > 0 else {
                throw .invalidParameter(name: name, found: "\(value)", expected: "0 (off) or a number of tokens")
            }
            limits.append(value)
        }
        guard let limit = limits.min() else { return 0 }
        guard let index = verbatimIndex else {
            throw .invalidParameter(name: name, found: "\(limit)",
                                    expected: "0: this model has no verbatim index (verbatim.idx, made by `gpt2 finetune` or `gpt2 audit index`)")
        }
        guard limit >= index.window else {
            throw .invalidParameter(name: name, found: "\(limit)",
                                    expected: "0 (off) or at least the verbatim index's window of \(index.window) tokens")
        }
        return limit
    }

    /// The token vetoes for a request, in the order they are asked.
    public func vetoes(verbatimLimit: Int, tokenizer: BPETokenizer) -> [any TokenVeto] {
        var vetoes: [any TokenVeto] = []
        if verbatimLimit > 0, let index = verbatimIndex { vetoes.append(VerbatimGuard(index: index, minimumRun: verbatimLimit)) }
        if let blocklist { vetoes.append(BlocklistGuard(blocklist: blocklist, tokenizer: tokenizer)) }
        return vetoes
    }

    /// Loads the guards a command or server was given.
    ///
    /// - Parameters:
    ///   - modelDirectory: where `verbatim.idx` is looked for when `indexPath` is not given.
    ///   - indexPath: an explicit index file; it must exist.
    ///   - blockVerbatim: the default limit; with a limit, the index must exist.
    ///   - blocklistPath: a blocklist file, if any.
    ///   - namesPath: a names file for the output filter, if any.
    public static func load(modelDirectory: URL?, indexPath: String?, blockVerbatim: Int, blocklistPath: String?,
                            outputFilter: OutputFilterMode, namesPath: String?) throws -> PrivacyGuards {
        var index: VerbatimIndex? = nil
        if let indexPath {
            index = try VerbatimIndex.load(URL(fileURLWithPath: indexPath))
        } else if let modelDirectory {
            let url = modelDirectory.appendingPathComponent(VerbatimIndex.fileName)
            if FileManager.default.fileExists(atPath: url.path) { index = try VerbatimIndex.load(url) }
        }
        let guards = PrivacyGuards(
            verbatimIndex: index, blockVerbatim: blockVerbatim,
            blocklist: try blocklistPath.map { path throws(PrivacyError) in try Blocklist(file: URL(fileURLWithPath: path)) },
            outputFilter: outputFilter,
            scrubber: try namesPath.map { path throws(PrivacyError) in try PIIScrubber(namesFile: URL(fileURLWithPath: path)) }
                ?? PIIScrubber())
        return guards
    }
}

/// What the privacy guards did in one generation.
public struct PrivacyReport: Sendable, Equatable {
    /// Tokens drawn and refused because they would extend a copied run to the limit.
    public var verbatimRefusals = 0
    /// Tokens drawn and refused because they would complete a blocklisted phrase.
    public var blocklistRefusals = 0
    /// Personal details redacted (or the one that ended a rejected text), by category.
    public var redactions: [PIIScrubber.Category: Int] = [:]
    /// Whether the output filter ended the text.
    public var rejected = false

    public init() {}

    /// Adds another generation's counts.
    public mutating func add(_ other: PrivacyReport) {
        verbatimRefusals += other.verbatimRefusals
        blocklistRefusals += other.blocklistRefusals
        redactions.merge(other.redactions, uniquingKeysWith: +)
        rejected = rejected || other.rejected
    }
}

extension PrivacyGuards {
    /// One line saying which guards are on, or `nil` when none is (for logs).
    public var summary: String? {
        var parts: [String] = []
        if let index = verbatimIndex {
            let megabytes = String(format: "%.1f", Double(index.byteCount) / 1e6)
            parts.append("verbatim index of \(index.entryCount) windows of \(index.window) tokens (\(megabytes) MB)"
                + (blockVerbatim > 0 ? ", runs of \(blockVerbatim) tokens refused" : ", off unless a request sets a limit"))
        }
        if let blocklist { parts.append("blocklist of \(blocklist.phrases.count) phrases") }
        if outputFilter != .off { parts.append("output filter: \(outputFilter.rawValue)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
