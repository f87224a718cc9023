import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer

/// Runs every active sequence of every request through the model together: one batched forward
/// step per token (continuous batching). Requests join between steps, up to
/// `maxConcurrentSequences` at once, and wait in a bounded queue beyond that; a full queue is
/// refused with 429. A long prompt is fed in chunks of ``prefillChunk`` tokens, so it does not
/// stall the others' decoding. A sequence whose consumer goes away (the client disconnected) is
/// dropped before the next step.
///
/// The actor owns all mutable serving state: the queue, the KV caches and the generation states.
public actor Scheduler {
    /// Prompt tokens a sequence feeds per step while prefilling.
    public static let prefillChunk = 64

    let model: GPT2Model
    let tokenizer: BPETokenizer
    let workspace: ForwardWorkspace
    let maxConcurrent: Int
    let maxQueue: Int
    let metrics: ServerMetrics
    let guards: PrivacyGuards

    /// One sequence in flight.
    struct Slot {
        let id: Int
        var state: GenerationState
        let cache: KVCache
        /// Prompt tokens not yet fed to the model.
        var unfed: ArraySlice<Int>
        let request: SequenceRequest
        let continuation: AsyncStream<SequenceEvent>.Continuation
        let start: ContinuousClock.Instant
        var lastToken: ContinuousClock.Instant?
    }

    private var waiting: [Slot] = []
    private var active: [Slot] = []
    private var nextID = 0
    private var loop: Task<Void, Never>?
    private var accepting = true

    /// - Parameters:
    ///   - threads: threads of the math (one pool for every batch).
    ///   - maxConcurrent: sequences decoded together in one step.
    ///   - maxQueue: sequences that may wait for a slot.
    ///   - guards: the privacy guards every sequence gets (requests may tighten them).
    public init(model: GPT2Model, tokenizer: BPETokenizer, threads: Int, maxConcurrent: Int, maxQueue: Int,
                metrics: ServerMetrics, guards: PrivacyGuards = .none) {
        self.model = model
        self.tokenizer = tokenizer
        workspace = ForwardWorkspace(threads: threads)
        self.maxConcurrent = maxConcurrent
        self.maxQueue = maxQueue
        self.metrics = metrics
        self.guards = guards
    }

    /// Sequences being decoded and sequences waiting.
    public var counts: (active: Int, waiting: Int) { (active.count, waiting.count) }

    /// Queues the sequences of one request together (all or none).
    ///
    /// - Returns: one event stream per sequence; dropping a stream cancels its sequence.
    /// - Throws: 429 with `Retry-After` when the queue cannot take them all, 503 while draining,
    ///   400 for parameters or prompts the model cannot run.
    public func submit(_ requests: [SequenceRequest]) throws(APIError) -> [AsyncStream<SequenceEvent>] {
        guard accepting else {
            throw APIError(status: 503, message: "The server is shutting down and takes no new requests.", type: "service_unavailable", retryAfter: 5)
        }
        guard active.count + waiting.count + requests.count <= maxConcurrent + maxQueue else {
            throw APIError(status: 429, message: "The server is busy: \(active.count) sequences are running and \(waiting.count) are waiting (limit \(maxConcurrent) + \(maxQueue)); retry shortly.",
                           type: "rate_limit_error", code: "queue_full", retryAfter: 1)
        }
        var slots: [Slot] = []
        var streams: [AsyncStream<SequenceEvent>] = []
        for request in requests {
            let state: GenerationState
            do {
                state = try GenerationState(promptIDs: request.promptIDs, parameters: request.parameters, config: model.config,
                                            tokenizer: tokenizer, naming: .json, topLogprobs: request.topLogprobs,
                                            guards: guards)
            } catch { throw APIError(error) }
            let (stream, continuation) = AsyncStream.makeStream(of: SequenceEvent.self, bufferingPolicy: .unbounded)
            let id = nextID
            nextID += 1
            continuation.onTermination = { [weak self] reason in
                if case .cancelled = reason, let self { Task { await self.cancel(id) } }
            }
            let capacity = max(state.cacheCapacity, request.promptIDs.count)
            slots.append(Slot(id: id, state: state, cache: model.makeCache(capacity: capacity), unfed: request.promptIDs[...],
                              request: request, continuation: continuation, start: .now))
            streams.append(stream)
        }
        waiting.append(contentsOf: slots)
        metrics.setQueue(waiting: waiting.count, active: active.count)
        if loop == nil { loop = Task { await self.run() } }
        return streams
    }

    /// Drops sequence `id` (its consumer went away).
    func cancel(_ id: Int) {
        if let i = active.firstIndex(where: { $0.id == id }) {
            active.remove(at: i)
            metrics.countCancelled()
        } else if let i = waiting.firstIndex(where: { $0.id == id }) {
            waiting.remove(at: i)
            metrics.countCancelled()
        }
        metrics.setQueue(waiting: waiting.count, active: active.count)
    }

    /// Stops taking new sequences (SIGTERM); those already accepted run to the end.
    public func stopAccepting() { accepting = false }

    /// Waits until no sequence is running or waiting, or `deadline` passes; returns whether idle.
    public func drained(before deadline: ContinuousClock.Instant) async -> Bool {
        while !(active.isEmpty && waiting.isEmpty) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Steps until nothing is left; other calls (submit, cancel) run between steps.
    private func run() async {
        while !(active.isEmpty && waiting.isEmpty) {
            admit()
            step()
            metrics.setQueue(waiting: waiting.count, active: active.count)
            await Task.yield()
        }
        loop = nil
    }

    /// Moves waiting sequences into free slots, answering those that need no model step.
    private func admit() {
        while active.count < maxConcurrent, !waiting.isEmpty {
            var slot = waiting.removeFirst()
            if slot.request.promptLogprobs {
                // The prompt's log-probabilities need logits at every position: one pass alone.
                do {
                    try prefillScoring(&slot)
                } catch {
                    slot.continuation.yield(.failed(APIError(error)))
                    slot.continuation.finish()
                    continue
                }
            }
            if slot.state.isFinished {
                finish(slot)
                continue
            }
            active.append(slot)
        }
    }

    /// Feeds the whole prompt with logits at every position: reports the prompt's log-probs and
    /// takes the first step from the last row.
    private func prefillScoring(_ slot: inout Slot) throws {
        let prompt = slot.request.promptIDs
        let logits = try model.forward([.init(tokens: prompt, cache: slot.cache)], logits: .all, workspace: workspace)
        var measured: [TokenLogprob?] = [nil]
        for i in 0..<(prompt.count - 1) {
            measured.append(TokenLogprob(logits: UnsafeBufferPointer(logits[i]), tokenID: prompt[i + 1],
                                         topCount: slot.request.topLogprobs ?? 0))
        }
        slot.continuation.yield(.promptLogprobs(measured))
        slot.unfed = []
        if !slot.state.isFinished { try take(&slot, logits: logits[prompt.count - 1]) }
    }

    /// One batched forward over every active sequence, then one sampling step for each sequence
    /// whose prompt is fully fed.
    private func step() {
        guard !active.isEmpty else { return }
        var inputs: [GPT2Model.SequenceInput] = []
        var rows: [Int?] = []   // per active slot: its logits row when it samples this step
        for i in active.indices {
            if !active[i].unfed.isEmpty {
                let chunk = active[i].unfed.prefix(Self.prefillChunk)
                active[i].unfed = active[i].unfed.dropFirst(chunk.count)
                rows.append(active[i].unfed.isEmpty ? inputs.count : nil)
                inputs.append(.init(tokens: Array(chunk), cache: active[i].cache))
            } else if let next = active[i].state.nextInput {
                rows.append(inputs.count)
                inputs.append(.init(tokens: [next], cache: active[i].cache))
            } else {
                rows.append(nil)
            }
        }
        let logits: LogitsView
        do {
            logits = try model.forward(inputs, workspace: workspace)
        } catch {
            let failure = APIError(error)
            for slot in active { fail(slot, failure) }
            active.removeAll()
            return
        }
        var done: [Int] = []
        for i in active.indices {
            guard let row = rows[i] else { continue }
            do {
                try take(&active[i], logits: logits[row])
                if active[i].state.isFinished {
                    finish(active[i])
                    done.append(i)
                }
            } catch {
                fail(active[i], APIError(error))
                done.append(i)
            }
        }
        for i in done.reversed() { active.remove(at: i) }
    }

    /// Samples one token for `slot` from its logits row and reports it.
    private func take(_ slot: inout Slot, logits: UnsafeMutableBufferPointer<Float>) throws {
        let step = try slot.state.step(logits: logits)
        let now = ContinuousClock.now
        if step.tokenID != nil {
            if let last = slot.lastToken {
                metrics.observeTokenInterval(now - last)
            } else {
                metrics.observeFirstToken(now - slot.start)
            }
            slot.lastToken = now
            metrics.countTokens(generated: 1)
        }
        slot.continuation.yield(.step(step))
    }

    private func finish(_ slot: Slot) {
        metrics.countTokens(prompt: slot.request.promptIDs.count)
        if slot.state.isGuarded {
            let report = slot.state.privacy
            metrics.countPrivacy(report)
            slot.continuation.yield(.privacy(report))
        }
        slot.continuation.yield(.finished(reason: slot.state.finishReason ?? .length, promptTokens: slot.request.promptIDs.count,
                                          completionTokens: slot.state.generated.count))
        slot.continuation.finish()
    }

    private func fail(_ slot: Slot, _ error: APIError) {
        slot.continuation.yield(.failed(error))
        slot.continuation.finish()
    }
}
