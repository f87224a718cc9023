import Foundation
import GPT2Kernels

extension SafetensorsFile {
    /// Tensor `name` converted to `Float`, in row-major order (`info.elementCount` values).
    ///
    /// A copy for tools and tests, widened with `GPT2Kernels`' conversions (unaligned-safe).
    ///
    /// - Throws: `CheckpointError.missingTensor` when absent, `.unsupportedDType` unless the
    ///   dtype is F32, F16 or BF16.
    public func floats(of name: String) throws(CheckpointError) -> [Float] {
        guard let info = tensors[name], let raw = bytes(of: name) else {
            throw .missingTensor(url, tensor: name)
        }
        guard info.dtype == .f32 || info.dtype == .f16 || info.dtype == .bf16 else {
            throw .unsupportedDType(url, tensor: name, dtype: info.dtype, expected: [.f32, .f16, .bf16])
        }
        let count = info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let out = buffer.baseAddress, let source = raw.baseAddress else { initialized = 0; return }
            switch info.dtype {
            case .f16: Kernels.convertF16toF32(source, to: out, count: count)
            case .bf16: Kernels.convertBF16toF32(source, to: out, count: count)
            default: UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: count * 4)
            }
            initialized = count
        }
    }
}
