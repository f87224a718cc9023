/// The keys and values one sequence has produced so far, per layer: the attention's memory.
/// Owned by one sequence at a time (a generator or the scheduler); not safe to share across
/// concurrent forward passes.
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    /// Positions this cache can hold (at most the model's context length).
    public let capacity: Int
    /// Width of one position's keys (= values) in one layer: `embeddingSize`.
    public let width: Int
    /// Positions filled so far; the next token goes to position `count`.
    public internal(set) var count: Int = 0

    /// keys and values: [layer][capacity][width] each.
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    public init(config: GPT2Config, capacity: Int? = nil) {
        layerCount = config.layerCount
        self.capacity = min(capacity ?? config.contextLength, config.contextLength)
        width = config.embeddingSize
        let n = layerCount * self.capacity * width
        keys = .allocate(capacity: max(n, 1))
        values = .allocate(capacity: max(n, 1))
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by this cache.
    public var byteCount: Int { 2 * layerCount * capacity * width * MemoryLayout<Float>.stride }

    /// Forgets everything after the first `count` positions (e.g. to reuse a shared prompt).
    public func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "cannot truncate a cache of \(count) positions to \(newCount)")
        count = newCount
    }

    /// Start of layer `layer`'s keys, [capacity, width].
    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys + layer * capacity * width }
    /// Start of layer `layer`'s values, [capacity, width].
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values + layer * capacity * width }
}
