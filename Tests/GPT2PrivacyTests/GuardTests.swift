import Foundation
import GPT2Generation
import GPT2Model
import GPT2Privacy
import GPT2Tokenizer
import Testing

/// The verbatim guard and the blocklist in the sampler, on a synthetic model that parrots its
/// training text: its logits favour the token that followed the last token in that text.
@Suite struct GuardTests {
    static let tokenizer = try! BPETokenizer.gpt2()
    static let config = GPT2Config(vocabSize: 50257, contextLength: 512, embeddingSize: 8, layerCount: 1, headCount: 2)
    static let training = """
        Dear Maria Lopez, your order ships from the Lyon warehouse on Tuesday morning, and the driver \
        will call you before noon to confirm the delivery window. Please keep your phone nearby.
        """
    static let trainingIDs = tokenizer.encode(training)

    static func index(window: Int) throws -> VerbatimIndex {
        var builder = try VerbatimIndexBuilder(window: window, endOfTextID: tokenizer.endOfTextID)
        try builder.add(ids: trainingIDs, source: "orders.txt")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(VerbatimIndex.fileName)
        try builder.write(to: url)
        return try VerbatimIndex.load(url)
    }

    /// Where the training text has the history's last two tokens (or else its last token).
    static func followed(_ history: [Int]) -> Int? {
        guard let last = history.last else { return nil }
        if history.count >= 2 {
            let before = history[history.count - 2]
            if let at = trainingIDs.indices.dropFirst().first(where: { trainingIDs[$0] == last && trainingIDs[$0 - 1] == before }) {
                return at
            }
        }
        return trainingIDs.firstIndex(of: last)
    }

    /// Logits of the parrot after `history`: noise from a fixed seed, plus 20 on the training
    /// text's next token after the history's last ones, and 10 on the one after that.
    static func parrot(_ history: [Int]) -> [Float] {
        var row = [Float](repeating: 0, count: 50257)
        var state = UInt64(truncatingIfNeeded: history.count) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        for i in 0..<row.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            row[i] = Float(state >> 40) / Float(1 << 24) * 2
        }
        if let at = followed(history) {
            if at + 1 < trainingIDs.count { row[trainingIDs[at + 1]] += 20 }
            if at + 2 < trainingIDs.count { row[trainingIDs[at + 2]] += 10 }
        }
        return row
    }

    static func run(_ p: GenerateParameters, prompt: [Int], guards: PrivacyGuards) throws -> GenerationState {
        var state = try GenerationState(promptIDs: prompt, parameters: p, config: config, tokenizer: tokenizer, guards: guards)
        while !state.isFinished {
            var row = parrot(prompt + state.generated)
            _ = try row.withUnsafeMutableBufferPointer { try state.step(logits: $0) }
        }
        return state
    }

    @Test func withoutTheGuard_theParrotCopiesTheWholeText_withItNoRunReachesTheLimit() throws {
        let prompt = Array(Self.trainingIDs.prefix(3))
        let count = Self.trainingIDs.count - 3
        for window in [4, 8] {
            let index = try Self.index(window: window)
            let free = try Self.run(GenerateParameters(maxTokens: count, temperature: 0), prompt: prompt,
                                    guards: PrivacyGuards(verbatimIndex: index))
            #expect(free.generated == Array(Self.trainingIDs.dropFirst(3)))
            #expect(index.longestCopiedRun(in: prompt + free.generated)?.length == Self.trainingIDs.count)
            #expect(free.privacy.verbatimRefusals == 0)

            for limit in [window, window + 3, 16] {
                for (temperature, topK) in [(Float(0), 0), (1, 0), (0.7, 3)] {
                    let p = GenerateParameters(maxTokens: count, temperature: temperature, topK: topK, seed: 7, blockVerbatim: limit)
                    let guarded = try Self.run(p, prompt: prompt, guards: PrivacyGuards(verbatimIndex: index))
                    let longest = index.longestCopiedRun(in: prompt + guarded.generated)?.length ?? 0
                    #expect(longest < limit, "window \(window) limit \(limit) T \(temperature): run of \(longest)")
                    #expect(guarded.generated.count == count && guarded.privacy.verbatimRefusals > 0)
                }
            }
        }
    }

    @Test func aServerDefault_isTightenedByARequest_neverLoosened() throws {
        let index = try Self.index(window: 4)
        let prompt = Array(Self.trainingIDs.prefix(3))
        let guards = PrivacyGuards(verbatimIndex: index, blockVerbatim: 12)
        for (requested, limit) in [(nil, 12), (0, 12), (6, 6), (40, 12)] as [(Int?, Int)] {
            let p = GenerateParameters(maxTokens: 30, temperature: 0, blockVerbatim: requested)
            let state = try Self.run(p, prompt: prompt, guards: guards)
            let longest = index.longestCopiedRun(in: prompt + state.generated)?.length ?? 0
            #expect(longest == limit - 1, "requested \(String(describing: requested)): run of \(longest)")
        }
    }

    @Test func limitsTheIndexCannotSee_orAMissingIndex_areRefused() throws {
        let index = try Self.index(window: 8)
        #expect(throws: GenerationError.self) {
            _ = try Self.run(GenerateParameters(blockVerbatim: 5), prompt: [464], guards: PrivacyGuards(verbatimIndex: index))
        }
        do {
            _ = try Self.run(GenerateParameters(blockVerbatim: 16), prompt: [464], guards: .none)
            Issue.record("a limit without an index ran")
        } catch {
            #expect(error.localizedDescription.contains("no verbatim index"))
        }
        #expect(throws: GenerationError.self) {
            try PrivacyGuards(verbatimIndex: index, blockVerbatim: -1).validate()
        }
    }

    @Test func blocklistedPhrases_areNeverProduced_whicheverTokensSpellThem() throws {
        // The parrot would say "Maria Lopez" and "Lyon"; every spelling is refused, in any case.
        let blocklist = try Blocklist(phrases: ["maria lopez", "LYON", "phone"])
        let prompt = [Self.trainingIDs[0]]   // "Dear"
        for (temperature, topK) in [(Float(0), 0), (1, 0), (0.8, 2)] {
            let p = GenerateParameters(maxTokens: Self.trainingIDs.count - 1, temperature: temperature, topK: topK, seed: 3)
            let state = try Self.run(p, prompt: prompt, guards: PrivacyGuards(blocklist: blocklist))
            let text = Self.tokenizer.decode(prompt + state.generated).lowercased()
            #expect(!text.contains("maria lopez") && !text.contains("lyon") && !text.contains("phone"), "\(text)")
            #expect(state.privacy.blocklistRefusals > 0)
        }
        // Hand-spelled pieces: " Ly" + "on" is caught at "on".
        let ly = Self.tokenizer.encode(" Ly"), on = Self.tokenizer.encode("on")
        #expect(ly.count == 1 && on.count == 1)
        #expect(blocklist.phraseCompleted(tail: Self.tokenizer.tokenBytes(ly[0]), next: Self.tokenizer.tokenBytes(on[0])) != nil)
    }

    @Test func blocklistMatching_startsAtWordBoundaries_andIgnoresCase() throws {
        let list = try Blocklist(phrases: ["ann", "Dr. Who", "", "ann"])
        #expect(list.phrases.count == 2)
        func completes(_ tail: String, _ next: String) -> Bool {
            list.phraseCompleted(tail: Array(tail.utf8), next: Array(next.utf8)) != nil
        }
        #expect(completes("Hi ", "Ann"))
        #expect(completes("Hi A", "NN!"))
        #expect(completes("", "ann"))
        #expect(!completes("Joh", "ann"))        // inside a word
        #expect(!completes("Ann", " said"))       // already whole before `next`
        #expect(completes("(", "ann"))
        #expect(completes("Anna met dr. wh", "o"))
        #expect(!completes("é", "ann"))           // after a letter of another script
        #expect(throws: PrivacyError.self) { try Blocklist(phrases: ["", "  "].map { $0.trimmingCharacters(in: .whitespaces) }) }
    }
}
