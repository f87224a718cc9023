import Foundation

/// Turns Slack's message markup into plain text: `<@U123>` and `<@U123|name>` become `@Name`
/// (resolved through `users`), `<#C123|general>` `#general`, `<!here>` `@here`,
/// `<!subteam^S1|@team>` `@team`, `<https://x|label>` `label`, `<https://x>` `https://x`,
/// `<mailto:a@b|a@b>` `a@b`; then `&lt;` `&gt;` `&amp;` are unescaped.
struct SlackMarkup: Sendable {
    let users: [String: String]

    func plainText(_ text: String) -> String {
        var output = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "<") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[open...]
                break
            }
            output += replacement(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    private func replacement(_ inner: String) -> String {
        let parts = inner.split(separator: "|", maxSplits: 1).map(String.init)
        let target = parts.first ?? ""
        let label = parts.count > 1 ? parts[1] : nil
        if target.hasPrefix("@") {
            let id = String(target.dropFirst())
            return "@" + (users[id] ?? label ?? id)
        }
        if target.hasPrefix("#") { return "#" + (label ?? String(target.dropFirst())) }
        if target.hasPrefix("!") {
            if let label { return label.hasPrefix("@") ? label : "@" + label }
            return "@" + target.dropFirst().split(separator: "^").first.map(String.init)!
        }
        if let label { return label }
        return target.hasPrefix("mailto:") ? String(target.dropFirst(7)) : target
    }
}
