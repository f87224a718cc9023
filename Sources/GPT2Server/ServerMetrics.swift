import Foundation
import GPT2Generation
import GPT2Privacy
import Synchronization

/// Counters, gauges and histograms of the server, rendered in Prometheus' text format by
/// ``render()`` for `GET /metrics`. Shared by the routes and the scheduler; one lock guards it.
public final class ServerMetrics: Sendable {
    /// Upper bounds in seconds of the latency histograms' buckets (`+Inf` is implied).
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.bounds.count)
        var sum = 0.0
        var count = 0

        mutating func observe(_ seconds: Double) {
            if let bucket = ServerMetrics.bounds.firstIndex(where: { seconds <= $0 }) { counts[bucket] += 1 }
            sum += seconds
            count += 1
        }
    }

    struct State {
        var requests: [String: Int] = [:]   // "route\u{0}status" -> count
        var promptTokens = 0
        var generatedTokens = 0
        var cancelled = 0
        var waiting = 0
        var active = 0
        var firstToken = Histogram()
        var tokenInterval = Histogram()
        var privacy = PrivacyReport()
        var rejected = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts one answered request.
    public func countRequest(route: String, status: Int) {
        state.withLock { $0.requests["\(route)\u{0}\(status)", default: 0] += 1 }
    }

    func countTokens(prompt: Int = 0, generated: Int = 0) {
        state.withLock {
            $0.promptTokens += prompt
            $0.generatedTokens += generated
        }
    }

    func countPrivacy(_ report: PrivacyReport) {
        state.withLock {
            $0.privacy.add(report)
            if report.rejected { $0.rejected += 1 }
        }
    }

    func countCancelled() { state.withLock { $0.cancelled += 1 } }

    func setQueue(waiting: Int, active: Int) {
        state.withLock {
            $0.waiting = waiting
            $0.active = active
        }
    }

    func observeFirstToken(_ duration: Duration) { state.withLock { $0.firstToken.observe(duration.seconds) } }

    func observeTokenInterval(_ duration: Duration) { state.withLock { $0.tokenInterval.observe(duration.seconds) } }

    /// The exposition text (version 0.0.4).
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("gpt2_requests_total", "counter", "HTTP requests answered, by route and status.")
        for key in s.requests.keys.sorted() {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            out += "gpt2_requests_total{route=\"\(parts[0])\",status=\"\(parts[1])\"} \(s.requests[key]!)\n"
        }
        family("gpt2_prompt_tokens_total", "counter", "Prompt tokens of finished sequences.")
        out += "gpt2_prompt_tokens_total \(s.promptTokens)\n"
        family("gpt2_generated_tokens_total", "counter", "Tokens generated.")
        out += "gpt2_generated_tokens_total \(s.generatedTokens)\n"
        family("gpt2_cancelled_sequences_total", "counter", "Sequences dropped because their client went away.")
        out += "gpt2_cancelled_sequences_total \(s.cancelled)\n"
        family("gpt2_queue_depth", "gauge", "Sequences waiting for a slot.")
        out += "gpt2_queue_depth \(s.waiting)\n"
        family("gpt2_active_sequences", "gauge", "Sequences being decoded.")
        out += "gpt2_active_sequences \(s.active)\n"
        family("gpt2_verbatim_refusals_total", "counter", "Drawn tokens refused because they would extend a run copied from the training text to the limit.")
        out += "gpt2_verbatim_refusals_total \(s.privacy.verbatimRefusals)\n"
        family("gpt2_blocklist_refusals_total", "counter", "Drawn tokens refused because they would complete a blocklisted phrase.")
        out += "gpt2_blocklist_refusals_total \(s.privacy.blocklistRefusals)\n"
        family("gpt2_redactions_total", "counter", "Personal details found in generated text by the output filter, by category.")
        for category in PIIScrubber.Category.allCases {
            out += "gpt2_redactions_total{category=\"\(category.rawValue)\"} \(s.privacy.redactions[category] ?? 0)\n"
        }
        family("gpt2_rejected_outputs_total", "counter", "Generations ended by the output filter (content_filter).")
        out += "gpt2_rejected_outputs_total \(s.rejected)\n"
        histogram("gpt2_time_to_first_token_seconds", "Seconds from a sequence's arrival to its first token.", s.firstToken, into: &out)
        histogram("gpt2_time_per_output_token_seconds", "Seconds between a sequence's consecutive tokens.", s.tokenInterval, into: &out)
        return out
    }

    private func histogram(_ name: String, _ help: String, _ h: Histogram, into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative = 0
        for (bound, count) in zip(Self.bounds, h.counts) {
            cumulative += count
            out += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n\(name)_sum \(h.sum)\n\(name)_count \(h.count)\n"
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
