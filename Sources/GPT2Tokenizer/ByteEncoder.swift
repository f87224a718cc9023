/// GPT-2's reversible map between bytes and printable Unicode scalars.
///
/// Vocabulary and merges files spell every token with one scalar per byte: the printable
/// bytes `!`...`~`, `¡`...`¬` and `®`...`ÿ` stand for themselves, and the other 68 bytes (controls,
/// space, DEL, NBSP, soft hyphen, ...) map to U+0100 upwards in byte order, so a space is `Ġ`
/// (U+0120) and a newline `Ċ` (U+010A).
enum ByteEncoder {
    /// The scalar that spells each byte, 256 entries.
    static let scalarOfByte: [Unicode.Scalar] = {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(256)
        var extra: UInt32 = 0
        for byte in 0..<256 {
            if isPrintable(UInt8(byte)) {
                scalars.append(Unicode.Scalar(UInt8(byte)))
            } else {
                scalars.append(Unicode.Scalar(256 + extra)!)
                extra += 1
            }
        }
        return scalars
    }()

    /// The byte a scalar spells, or nil for a scalar outside the byte alphabet.
    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 { return isPrintable(UInt8(value)) ? UInt8(value) : nil }
        if value < 256 + 68 { return nonPrintableBytes[Int(value - 256)] }
        return nil
    }

    /// The bytes a vocabulary token stands for.
    ///
    /// A token with a scalar outside the byte alphabet (an added token such as `<|im_start|>`
    /// with a plain space) stands for its own UTF-8, as Hugging Face's ByteLevel decoder does.
    static func bytes(ofToken token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byte(of: scalar) else { return Array(token.utf8) }
            bytes.append(byte)
        }
        return bytes
    }

    /// The byte-alphabet spelling of `bytes`.
    static func token(ofBytes bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarOfByte[Int(byte)]) }
        return String(scalars)
    }

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The 68 non-printable bytes in byte order: the bytes spelled U+0100, U+0101, ...
    private static let nonPrintableBytes: [UInt8] = (0..<256).map(UInt8.init).filter { !isPrintable($0) }
}
