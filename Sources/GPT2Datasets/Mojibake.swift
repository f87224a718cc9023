/// Repairs Facebook's mojibake: its JSON writes each UTF-8 byte of non-ASCII text as its own
/// `\u00XX` escape, so "é" arrives as "Ã©". A string is repaired only when every scalar is
/// below U+0100 and, read as bytes, they form valid UTF-8 that uses multi-byte sequences;
/// text that is already correct ("café" with a real U+00E9, or any scalar above U+00FF) fails
/// that test and is returned unchanged.
public enum Mojibake {
    public static func repair(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        var sawHigh = false
        for scalar in text.unicodeScalars {
            guard scalar.value < 0x100 else { return text }
            if scalar.value >= 0x80 { sawHigh = true }
            bytes.append(UInt8(scalar.value))
        }
        guard sawHigh, let repaired = String(validating: bytes, as: UTF8.self) else { return text }
        return repaired
    }
}
