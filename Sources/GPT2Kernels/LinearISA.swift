import CGPT2Kernels

/// The instruction-set level at which `Kernels.linear` runs its fp16 / bf16 / int8 / q4 paths.
/// Levels are cumulative; the process uses `detected`, and tests and benchmarks may pick any
/// supported level to compare paths on one machine.
///
/// | level | instructions | int8 dot products |
/// |---|---|---|
/// | portable | plain C (any CPU, arm64 included) | scalar |
/// | avx2 | AVX2, FMA, F16C | int16 `vpmaddwd`, 16 per instruction |
/// | avx512 | + AVX-512 F/BW/VL/DQ | int16 `vpmaddwd`, 32 per instruction |
/// | avx512VNNI | + AVX-512 VNNI | u8 x s8 `vpdpbusd`, 64 per instruction |
public enum LinearISA: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2
    case avx512VNNI = 3

    /// The best level this CPU and operating system support (cpuid / xgetbv, read once).
    public static let detected: LinearISA = LinearISA(rawValue: Int(gpt2k_detect_isa())) ?? .portable

    /// Every level this machine can run, lowest first.
    public static var supported: [LinearISA] { allCases.filter(\.isSupported) }

    /// Whether this machine can run the level.
    public var isSupported: Bool { self <= Self.detected }

    public var description: String {
        switch self {
        case .portable: return "portable"
        case .avx2: return "AVX2"
        case .avx512: return "AVX-512"
        case .avx512VNNI: return "AVX-512 VNNI"
        }
    }

    public static func < (lhs: LinearISA, rhs: LinearISA) -> Bool { lhs.rawValue < rhs.rawValue }

    var code: Int32 { Int32(rawValue) }
}
