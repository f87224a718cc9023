extension VerbatimIndex {
    /// A stretch of a text whose every window occurs in the training text.
    public struct CopiedRun: Sendable, Equatable {
        /// The run's first token, as an index into the audited ids.
        public var start: Int
        /// Its length in tokens (at least ``VerbatimIndex/window``).
        public var length: Int
        /// Where its first window first occurs in the training text.
        public var source: Location
    }

    /// Every maximal copied run in `ids`, in order: stretches of consecutive windows that all
    /// occur in the training text. A text shorter than a window has none.
    public func copiedRuns(in ids: [Int]) -> [CopiedRun] {
        guard ids.count >= window else { return [] }
        var runs: [CopiedRun] = []
        var current: (start: Int, position: Int)? = nil
        for start in 0...(ids.count - window) {
            let position = self.position(ofWindow: ids[start..<(start + window)])
            switch (current, position) {
            case (nil, let position?): current = (start, position)
            case (let run?, nil):
                runs.append(CopiedRun(start: run.start, length: start - 1 + window - run.start, source: locate(run.position)))
                current = nil
            default: break
            }
        }
        if let run = current {
            runs.append(CopiedRun(start: run.start, length: ids.count - run.start, source: locate(run.position)))
        }
        return runs
    }

    /// The longest copied run in `ids` (the first of equal ones), or `nil` when none.
    public func longestCopiedRun(in ids: [Int]) -> CopiedRun? {
        copiedRuns(in: ids).reduce(nil) { best, run in
            best.map { run.length > $0.length ? run : $0 } ?? run
        }
    }
}
