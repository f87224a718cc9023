import GPT2Generation
import GPT2Privacy

extension PrivacyReport {
    /// The report as a response's `privacy` object: refusals by guard, redactions by category,
    /// and whether the output filter ended the text.
    var json: JSONValue {
        var redacted: [String: JSONValue] = [:]
        for (category, count) in redactions { redacted[category.rawValue] = .number(Double(count)) }
        return .object(["verbatim_refusals": .number(Double(verbatimRefusals)),
                        "blocklist_refusals": .number(Double(blocklistRefusals)),
                        "redactions": .object(redacted), "rejected": .bool(rejected)])
    }
}
