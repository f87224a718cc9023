import Foundation

extension SafetensorsFile {
    /// Tensor `name` converted to `Float`, in row-major order (`info.elementCount` values).
    ///
    /// A plain scalar conversion for tools and tests; hot paths should convert with the
    /// vectorized routines of `GPT2Kernels` straight from `data(of:)`. Loads are unaligned-safe.
    ///
    /// - Throws: `CheckpointError.missingTensor` when absent, `.unsupportedDType` unless the
    ///   dtype is F32, F16 or BF16.
    public func floats(of name: String) throws(CheckpointError) -> [Float] {
        guard let info = tensors[name], let raw = bytes(of: name) else {
            throw .missingTensor(url, tensor: name)
        }
        let count = info.elementCount
        switch info.dtype {
        case .f32:
            return (0 ..< count).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        case .f16:
            return (0 ..< count).map {
                Self.floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))
            }
        case .bf16:
            return (0 ..< count).map {
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))
                return Float(bitPattern: UInt32(bits) << 16)
            }
        default:
            throw .unsupportedDType(url, tensor: name, dtype: info.dtype, expected: [.f32, .f16, .bf16])
        }
    }

    /// IEEE 754 binary16 bits to Float, exact (every half value is a float), subnormals included.
    static func floatFromHalfBits(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
