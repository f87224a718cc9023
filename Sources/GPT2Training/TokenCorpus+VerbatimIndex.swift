import Foundation
import GPT2Privacy

extension TokenCorpus {
    /// Writes the verbatim index of these tokens to `url` (atomically), each segment a source
    /// named by its file (or "SOURCE part N" for one without a name).
    @discardableResult
    public func writeVerbatimIndex(to url: URL, window: Int = VerbatimIndexBuilder.defaultWindow,
                                   endOfTextID: Int) throws(PrivacyError) -> VerbatimIndexBuilder.Summary {
        var builder = try VerbatimIndexBuilder(window: window, endOfTextID: endOfTextID)
        for (i, segment) in segments.enumerated() {
            try builder.add(segment.tokens, source: segment.name.isEmpty ? "\(source) part \(i + 1)" : segment.name)
        }
        return try builder.write(to: url)
    }
}
