/// The merges of a BPE vocabulary in rank order, stored flat.
///
/// Merge `r` is `bytes[start..<start + leftCount]` + `bytes[start + leftCount..<start + leftCount + rightCount]`:
/// the two spellings are stored back to back, so their concatenation, the merged token's
/// spelling, is the whole range without copying.
struct MergeList {
    struct Entry {
        let start: Int
        let leftCount: Int
        let rightCount: Int
        /// Where the merge came from, for error messages: a 1-based line of a merges file, or a
        /// 1-based position in tokenizer.json's `model.merges`.
        let line: Int
    }

    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []

    init(expectedCount: Int = 0) {
        entries.reserveCapacity(expectedCount)
        bytes.reserveCapacity(expectedCount * 8)
    }

    mutating func append(left: UnsafeBufferPointer<UInt8>, right: UnsafeBufferPointer<UInt8>, line: Int) {
        entries.append(Entry(start: bytes.count, leftCount: left.count, rightCount: right.count, line: line))
        bytes.append(contentsOf: left)
        bytes.append(contentsOf: right)
    }

    mutating func append(left: String, right: String, line: Int) {
        var left = left
        var right = right
        left.withUTF8 { left in right.withUTF8 { right in append(left: left, right: right, line: line) } }
    }
}
