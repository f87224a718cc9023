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

    /// For scalar values below 0x144, the byte the scalar spells, or -1; the alphabet ends at U+0143.
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarOfByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte a scalar spells, or nil for a scalar outside the byte alphabet.
    static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteOfScalar.count, byteOfScalar[value] >= 0 else { return nil }
        return UInt8(byteOfScalar[value])
    }

    /// Appends the bytes a vocabulary token stands for, given its spelling as UTF-8.
    ///
    /// A token with a scalar outside the byte alphabet (an added token such as `<|im start|>`
    /// with a plain space) stands for its own UTF-8, as Hugging Face's ByteLevel decoder does.
    static func appendBytes(ofSpelling spelling: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        let mark = output.count
        let complete: Bool = byteOfScalar.withUnsafeBufferPointer { table in
            var i = 0
            while i < spelling.count {
                // Alphabet scalars take 1 UTF-8 byte (below U+0080) or 2 (U+0080...U+0143).
                let b0 = spelling[i]
                var value = Int(b0)
                var length = 1
                if b0 >= 0x80 {
                    guard b0 & 0xE0 == 0xC0, i + 1 < spelling.count else { return false }
                    value = Int(b0 & 0x1F) << 6 | Int(spelling[i + 1] & 0x3F)
                    length = 2
                }
                guard value < table.count, table[value] >= 0 else { return false }
                output.append(UInt8(table[value]))
                i += length
            }
            return true
        }
        if !complete {
            output.removeSubrange(mark...)
            output.append(contentsOf: spelling)
        }
    }

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
