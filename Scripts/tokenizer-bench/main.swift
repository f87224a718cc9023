// Encode-throughput benchmark for GPT2Tokenizer, built by Scripts/bench-tokenizer.sh with
// swiftc straight from the module's sources (no SwiftPM product needed).
//
// usage: tokenizer-bench TEXT_FILE VOCAB_JSON MERGES_TXT [REPEATS]
// Prints bytes, tokens, the best and median time of REPEATS encodes, MB/s (10^6 bytes per
// second) and an id checksum that the tiktoken side prints too.
import Foundation

extension Bundle {
    /// The module is compiled here without SwiftPM, so there is no resource bundle; the
    /// benchmark passes file paths instead.
    static var module: Bundle { Bundle.main }
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: tokenizer-bench TEXT_FILE VOCAB_JSON MERGES_TXT [REPEATS]\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
let repeats = arguments.count > 4 ? Int(arguments[4])! : 10
let clock = ContinuousClock()
let loadStart = clock.now
let tokenizer = try BPETokenizer(
    vocabulary: URL(fileURLWithPath: arguments[2]), merges: URL(fileURLWithPath: arguments[3]))
let loadTime = clock.now - loadStart

var times: [Double] = []
var ids: [Int] = []
for _ in 0..<repeats {
    let start = clock.now
    ids = tokenizer.encode(text)
    let elapsed = clock.now - start
    times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}
times.sort()
let bytes = text.utf8.count
var checksum: UInt64 = 0
for (index, id) in ids.enumerated() { checksum = checksum &* 1_000_003 &+ UInt64(id) &+ UInt64(index & 7) }
print(String(format: "swift    load %.1f ms", Double(loadTime.components.attoseconds) * 1e-15 + Double(loadTime.components.seconds) * 1e3))
print(String(
    format: "swift    bytes %d tokens %d best %.4f s median %.4f s -> %.2f MB/s (median %.2f MB/s) checksum %llu",
    bytes, ids.count, times[0], times[times.count / 2], Double(bytes) / times[0] / 1e6,
    Double(bytes) / times[times.count / 2] / 1e6, checksum))
