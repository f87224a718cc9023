import Foundation

/// Drops documents seen before: exactly (the same text after trimming) or nearly (MinHash over
/// word 3-grams: 80 hash functions in 10 bands of 8, so documents whose 3-gram sets overlap by
/// a Jaccard similarity around 0.75 or more are caught with high probability and unrelated ones
/// almost never). Memory: 56 bits of a 64-bit hash per kept document for exact (about 7.5 bytes
/// each, see `FingerprintTable`), plus 10 band keys for near.
public struct DuplicateFilter: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        case none, exact, near
    }

    /// Why a document was dropped.
    public enum Verdict: Sendable, Equatable {
        case unique, exactDuplicate, nearDuplicate
    }

    public let mode: Mode
    /// Fingerprints of kept documents in 256 tables chosen by the top byte of the hash (each
    /// table keeps its next 48 bits), so growing one table briefly holds two copies of only
    /// that shard, not of every document.
    private var exact = [FingerprintTable](repeating: FingerprintTable(), count: 256)
    private var bands: Set<UInt64> = []
    static let bandCount = 10
    static let rowsPerBand = 8

    public init(mode: Mode) { self.mode = mode }

    /// Checks `text` against the documents before it and remembers it when it is unique.
    public mutating func check(_ text: String) -> Verdict {
        guard mode != .none else { return .unique }
        let hash = ContentHash(text).high
        let shard = Int(hash >> 56)
        if exact[shard].contains(hash >> 8) { return .exactDuplicate }
        if mode == .near {
            let keys = Self.bandKeys(text)
            if keys.contains(where: bands.contains) { return .nearDuplicate }
            bands.formUnion(keys)
        }
        exact[shard].insert(hash >> 8)
        return .unique
    }

    /// One key per band: the band's index mixed with the hash of its rows' minima.
    static func bandKeys(_ text: String) -> [UInt64] {
        let words = words(text)
        var shingles: [UInt64] = []
        if words.count < 3 {
            shingles.append(words.reduce(0x9E37_79B9_7F4A_7C15) { mix($0 ^ $1) })
        } else {
            for index in 0...(words.count - 3) {
                shingles.append(mix(mix(words[index] ^ 0x51) ^ words[index + 1]) ^ words[index + 2])
            }
        }
        let functions = bandCount * rowsPerBand
        var minima = [UInt64](repeating: .max, count: functions)
        for shingle in shingles {
            for function in 0..<functions {
                let value = mix(shingle &+ UInt64(function) &* 0x9E37_79B9_7F4A_7C15)
                if value < minima[function] { minima[function] = value }
            }
        }
        return (0..<bandCount).map { band in
            var key = UInt64(band) &+ 1
            for row in 0..<rowsPerBand { key = mix(key ^ minima[band * rowsPerBand + row]) }
            return key
        }
    }

    /// Lowercased runs of letters and digits, each hashed.
    static func words(_ text: String) -> [UInt64] {
        var words: [UInt64] = []
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let value = scalar.value
                let isUpper = (65...90).contains(value)
                if isUpper || (97...122).contains(value) || (48...57).contains(value) {
                    hash = (hash ^ UInt64(isUpper ? value + 32 : value)) &* 0x100_0000_01B3
                    inWord = true
                    continue
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                    hash = (hash ^ UInt64(lower.value)) &* 0x100_0000_01B3
                }
                inWord = true
                continue
            }
            if inWord {
                words.append(hash)
                hash = 0xCBF2_9CE4_8422_2325
                inWord = false
            }
        }
        if inWord { words.append(hash) }
        return words
    }

    /// SplitMix64's finalizer: a fast, well-mixed 64-bit hash step.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A 128-bit hash of a text's trimmed UTF-8 bytes (two independent 64-bit lanes), deterministic
/// across runs, for exact duplicate detection and the train/validation split.
struct ContentHash: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init(_ text: String) {
        var high: UInt64 = 0xCBF2_9CE4_8422_2325
        var low: UInt64 = 0x8422_2325_CBF2_9CE4
        for byte in TextTrimming.trimmed(text).utf8 {
            high = (high ^ UInt64(byte)) &* 0x100_0000_01B3
            low = (low ^ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15 &+ 0x7F4A_7C15
        }
        self.high = DuplicateFilter.mix(high)
        self.low = DuplicateFilter.mix(low ^ 0xA5A5_A5A5_A5A5_A5A5)
    }
}
