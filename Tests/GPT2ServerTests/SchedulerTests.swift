import Foundation
import GPT2Generation
@testable import GPT2Server
import Testing

@Suite struct SchedulerTests {
    static func scheduler(concurrent: Int = 4, queue: Int = 4) -> Scheduler {
        let r = ServerFixture.resolved
        return Scheduler(model: r.model, tokenizer: r.tokenizer, threads: 1, maxConcurrent: concurrent, maxQueue: queue,
                         metrics: ServerMetrics())
    }

    static func request(_ prompt: String, tokens: Int, seed: UInt64) -> SequenceRequest {
        var p = GenerateParameters(maxTokens: tokens, temperature: 0.8, seed: seed)
        p.ignoreEOS = true
        return SequenceRequest(promptIDs: ServerFixture.resolved.promptTokens(prompt), parameters: p)
    }

    static func collect(_ stream: AsyncStream<SequenceEvent>) async -> (text: String, ids: [Int], reason: FinishReason?) {
        var text = "", ids: [Int] = [], reason: FinishReason? = nil
        for await event in stream {
            switch event {
            case let .step(step):
                text += step.text
                if let id = step.tokenID { ids.append(id) }
            case let .finished(r, _, _): reason = r
            default: break
            }
        }
        return (text, ids, reason)
    }

    @Test func batchedSequences_equalEachRunAlone() async throws {
        let r = ServerFixture.resolved
        // Prompts of different lengths (one longer than a prefill chunk) decoded together.
        let prompts = ["Hello", "The quick brown fox jumps", String(repeating: "a b ", count: 20)]
        let scheduler = Self.scheduler()
        let streams = try await scheduler.submit(prompts.enumerated().map { Self.request($1, tokens: 12, seed: UInt64($0)) })
        var batched: [(String, [Int], FinishReason?)] = []
        for stream in streams { batched.append(await Self.collect(stream)) }
        for (i, prompt) in prompts.enumerated() {
            let request = Self.request(prompt, tokens: 12, seed: UInt64(i))
            let alone = try TextGenerator(model: r.model, tokenizer: r.tokenizer, threads: 1)
                .generate(promptIDs: request.promptIDs, parameters: request.parameters)
            #expect(batched[i].1 == alone.ids, "prompt \(i)")
            #expect(batched[i].0 == alone.text)
            #expect(batched[i].2 == .length)
        }
        #expect(await scheduler.counts == (0, 0))
    }

    @Test func fullQueue_isA429_withRetryAfter() async throws {
        let scheduler = Self.scheduler(concurrent: 1, queue: 1)
        let first = try await scheduler.submit([Self.request("Hello", tokens: 50, seed: 1), Self.request("Hi", tokens: 50, seed: 2)])
        do {
            _ = try await scheduler.submit([Self.request("Hey", tokens: 5, seed: 3)])
            Issue.record("a third sequence was accepted beyond 1 running + 1 waiting")
        } catch {
            #expect(error.status == 429)
            #expect(error.retryAfter != nil)
        }
        for stream in first { _ = await Self.collect(stream) }
    }

    @Test func droppedStream_freesItsSlotBeforeItFinishes() async throws {
        let scheduler = Self.scheduler(concurrent: 1, queue: 0)
        var streams = try await scheduler.submit([Self.request("Hello", tokens: 60, seed: 1)])
        var iterator: AsyncStream<SequenceEvent>.Iterator? = streams.removeFirst().makeAsyncIterator()
        _ = await iterator?.next()
        iterator = nil   // the consumer goes away, as a disconnected client's handler does
        var freed = false
        for _ in 0..<200 {
            if await scheduler.counts == (0, 0) { freed = true; break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(freed)
        // The slot is free again: a new sequence is accepted at once.
        let next = try await scheduler.submit([Self.request("Hi", tokens: 2, seed: 2)])
        #expect(await Self.collect(next[0]).ids.count == 2)
    }
}
