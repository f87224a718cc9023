import Foundation
import GPT2Model
import Testing

@Suite struct ForwardValidationTests {
    let workspace = ForwardWorkspace(threads: 1)
    let model = try! GPT2Model.load(directory: ReferenceFixture.folder("odd-f32"))

    @Test func pastTheContext_throwsAndLeavesTheCacheAlone() throws {
        let cache = model.makeCache()
        let context = model.config.contextLength
        _ = try model.forward([.init(tokens: Array(repeating: 1, count: context - 1), cache: cache)], workspace: workspace)
        #expect(throws: ModelError.contextOverflow(position: context + 1, limit: context)) {
            try model.forward([.init(tokens: [1, 2], cache: cache)], workspace: workspace)
        }
        #expect(cache.count == context - 1)
        let message = ModelError.contextOverflow(position: context + 1, limit: context).localizedDescription
        #expect(message.contains("\(context)"))
    }

    @Test func tokenOutsideTheVocabulary_throwsBeforeAnyWork() throws {
        let good = model.makeCache(), bad = model.makeCache()
        #expect(throws: ModelError.tokenOutOfRange(id: model.config.vocabSize, vocabularySize: model.config.vocabSize)) {
            try model.forward([.init(tokens: [1, 2], cache: good), .init(tokens: [model.config.vocabSize], cache: bad)], workspace: workspace)
        }
        #expect(good.count == 0 && bad.count == 0)
        #expect(throws: ModelError.tokenOutOfRange(id: -1, vocabularySize: model.config.vocabSize)) {
            try model.forward([.init(tokens: [-1], cache: good)], workspace: workspace)
        }
    }

    @Test func sameCacheTwiceOrNoTokens_isRefused() throws {
        let cache = model.makeCache()
        #expect(throws: ModelError.duplicateCache(index: 1)) {
            try model.forward([.init(tokens: [1], cache: cache), .init(tokens: [2], cache: cache)], workspace: workspace)
        }
        #expect(throws: ModelError.emptySequence(index: 0)) {
            try model.forward([.init(tokens: [], cache: cache)], workspace: workspace)
        }
    }

    @Test func cacheOfAnotherModel_isRefused() throws {
        let other = try GPT2Model.load(directory: ReferenceFixture.folder("odd-bf16"))
        #expect(throws: ModelError.self) {
            try model.forward([.init(tokens: [1], cache: other.makeCache())], workspace: workspace)
        }
    }

    @Test func smallerCacheCapacity_isTheLimit() throws {
        let cache = model.makeCache(capacity: 4)
        #expect(cache.capacity == 4)
        #expect(throws: ModelError.contextOverflow(position: 5, limit: 4)) {
            try model.forward([.init(tokens: [1, 2, 3, 4, 5], cache: cache)], workspace: workspace)
        }
    }
}
