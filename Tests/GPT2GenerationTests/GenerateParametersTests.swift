import Foundation
import GPT2Generation
import Testing

struct GenerateParametersTests {
    static let vocabulary = 50257

    static func messages(_ p: GenerateParameters) -> [String] {
        p.validationErrors(vocabularySize: vocabulary).map { $0.errorDescription ?? "" }
    }

    @Test func defaults_areValid() throws {
        try GenerateParameters().validate(vocabularySize: Self.vocabulary)
        try GenerateParameters(maxTokens: 0, minTokens: 0, temperature: 0, topK: 50_000, topP: 1e-6, minP: 1,
                               repetitionPenalty: 0.01, presencePenalty: -2, frequencyPenalty: 2,
                               logitBias: [0: -100, 50256: -.infinity], stop: Array(repeating: "x", count: 16))
            .validate(vocabularySize: Self.vocabulary)
    }

    @Test(arguments: [
        (GenerateParameters(maxTokens: -1, minTokens: 0),
         "The generation parameter `maxTokens` must be an integer >= 0, but got -1."),
        (GenerateParameters(maxTokens: 4, minTokens: 5),
         "The generation parameter `minTokens` must be at most maxTokens (4), but got 5."),
        (GenerateParameters(minTokens: -2),
         "The generation parameter `minTokens` must be an integer >= 0, but got -2."),
        (GenerateParameters(temperature: -0.5),
         "The generation parameter `temperature` must be a finite number >= 0 (0 means greedy), but got -0.5."),
        (GenerateParameters(temperature: .nan),
         "The generation parameter `temperature` must be a finite number >= 0 (0 means greedy), but got nan."),
        (GenerateParameters(topK: -1),
         "The generation parameter `topK` must be an integer >= 0 (0 turns top-k off), but got -1."),
        (GenerateParameters(topP: 0),
         "The generation parameter `topP` must be a number in (0, 1] (1 turns top-p off), but got 0.0."),
        (GenerateParameters(topP: 1.5),
         "The generation parameter `topP` must be a number in (0, 1] (1 turns top-p off), but got 1.5."),
        (GenerateParameters(minP: 2),
         "The generation parameter `minP` must be a number in [0, 1] (0 turns min-p off), but got 2.0."),
        (GenerateParameters(repetitionPenalty: 0),
         "The generation parameter `repetitionPenalty` must be a finite number > 0 (1 turns it off), but got 0.0."),
        (GenerateParameters(presencePenalty: 2.5),
         "The generation parameter `presencePenalty` must be a number in [-2, 2], but got 2.5."),
        (GenerateParameters(frequencyPenalty: -3),
         "The generation parameter `frequencyPenalty` must be a number in [-2, 2], but got -3.0."),
        (GenerateParameters(logitBias: [50257: 1]),
         "The generation parameter `logitBias` must be keyed by token ids in 0..<50257, but got a bias for token id 50257."),
        (GenerateParameters(logitBias: [3: .nan]),
         "The generation parameter `logitBias` must be finite or -infinity (a ban), but got nan for token id 3."),
        (GenerateParameters(logitBias: [3: .infinity]),
         "The generation parameter `logitBias` must be finite or -infinity (a ban), but got inf for token id 3."),
        (GenerateParameters(stop: Array(repeating: "x", count: 17)),
         "The generation parameter `stop` must be at most 16 strings, but got a list of 17 strings."),
        (GenerateParameters(stop: ["ok", ""]),
         "The generation parameter `stop` must be a list of non-empty strings, but got an empty string at index 1."),
        (GenerateParameters(stop: [String(repeating: "é", count: 129)]),
         "The generation parameter `stop` must be a list of strings of at most 256 UTF-8 bytes each, but got a string of 258 bytes at index 0."),
    ] as [(GenerateParameters, String)])
    func validate_reportsTheBadFieldInOneSentence(parameters: GenerateParameters, message: String) {
        #expect(Self.messages(parameters) == [message])
        #expect(throws: GenerationError.self) { try parameters.validate(vocabularySize: Self.vocabulary) }
    }

    @Test func validationErrors_listsEveryBadField_andValidateThrowsTheFirst() {
        let p = GenerateParameters(temperature: -1, topP: 2, stop: [""])
        let errors = p.validationErrors(vocabularySize: Self.vocabulary)
        #expect(errors.map { if case let .invalidParameter(name, _, _) = $0 { name } else { "" } } == ["temperature", "topP", "stop"])
        #expect(throws: errors[0]) { try p.validate(vocabularySize: Self.vocabulary) }
    }

    @Test func decoding_fillsMissingFieldsWithDefaults() throws {
        let json = #"{"temperature": 0, "logitBias": {"50256": -100}, "stop": ["\n"], "seed": 18446744073709551615}"#
        let p = try JSONDecoder().decode(GenerateParameters.self, from: Data(json.utf8))
        var expected = GenerateParameters(temperature: 0, logitBias: [50256: -100], stop: ["\n"])
        expected.seed = .max
        #expect(p == expected)
        #expect(try JSONDecoder().decode(GenerateParameters.self, from: Data("{}".utf8)) == GenerateParameters())
    }

    @Test func encoding_roundTrips() throws {
        let p = GenerateParameters(maxTokens: 10, minTokens: 2, temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05,
                                   repetitionPenalty: 1.2, presencePenalty: 0.5, frequencyPenalty: -0.5,
                                   logitBias: [1: 2, 50256: -100], seed: 9, stop: ["a", "b"], ignoreEOS: true)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(GenerateParameters.self, from: data) == p)
    }

    @Test func finishReason_encodesAsOpenAINames() throws {
        #expect(String(decoding: try JSONEncoder().encode([FinishReason.stop, .length]), as: UTF8.self) == #"["stop","length"]"#)
    }
}
