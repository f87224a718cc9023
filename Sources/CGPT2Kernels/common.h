// Shared helpers of the CGPT2Kernels implementation files (not part of the public header).
#ifndef CGPT2KERNELS_COMMON_H
#define CGPT2KERNELS_COMMON_H

#include "CGPT2Kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define GPT2K_X86 1
/// Function attributes for each x86 level; code inside may use that level's intrinsics.
#define GPT2K_AVX2 __attribute__((target("avx2,fma,f16c")))
#define GPT2K_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define GPT2K_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
/// The x86 levels as preprocessor numbers (the GPT2K_ISA_ values), for GPT2K_LEVEL (simd_level.h).
#define GPT2K_LEVEL_AVX2 1
#define GPT2K_LEVEL_AVX512 2
#define GPT2K_LEVEL_VNNI 3
#else
#define GPT2K_X86 0
#endif

#define GPT2K_INLINE static inline __attribute__((always_inline))

GPT2K_INLINE long gpt2k_round_up(long x, long multiple) { return (x + multiple - 1) / multiple * multiple; }

/// How far ahead (bytes) of a weight stream to prefetch when blocks of `block_bytes` are read
/// as several interleaved short streams, which the hardware prefetchers do not pick up alone.
GPT2K_INLINE long gpt2k_prefetch_distance(long block_bytes) {
    long d = 2 * block_bytes;
    return d < 4096 ? 4096 : d;
}

/// How far ahead (bytes) the AVX2 panel kernels (int8, 16-bit, q4) prefetch the one stream they
/// read. Their compute is heavy enough on AVX2 CPUs (two vpmaddwd or vcvtph2ps per 32 bytes) that
/// without it the core alternates between waiting for memory and computing. The distance was
/// chosen by measurement (README, "Kernel routes"): 2048 gained less, 0 least.
#define GPT2K_AVX2_PANEL_PREFETCH 1024

/// The same distance for the AVX2 fp32 decode kernels (fp32 panels, fp32 [n, k] rows), whose
/// light compute consumes bytes fastest, so a shorter distance measured best (README, "Kernel
/// routes"; 256, 1024 and 2048 were slower for one stream).
#define GPT2K_AVX2_F32_PREFETCH 512


/// IEEE binary16 bits to fp32, exactly (subnormals, infinities and NaNs included).
GPT2K_INLINE float gpt2k_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        // Subnormal: value = mantissa * 2^-24, exact in fp32.
        float value = (float)mantissa * 5.9604644775390625e-8f;
        memcpy(&bits, &value, 4);
        bits |= sign;
    }
    float result;
    memcpy(&result, &bits, 4);
    return result;
}

GPT2K_INLINE float gpt2k_bf16_to_float(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float result;
    memcpy(&result, &bits, 4);
    return result;
}

/// The fp32 value of a 16-bit weight.
GPT2K_INLINE float gpt2k_widen(uint16_t h, int bf16) { return bf16 ? gpt2k_bf16_to_float(h) : gpt2k_half_to_float(h); }

/// Writes `value` (the finished dot product of row i and column j) the way every path does:
/// (value + bias) then + c when accumulating, in fp32.
GPT2K_INLINE void gpt2k_emit(float value, const float *bias, float *c, long j, int accumulate) {
    if (bias) value += bias[j];
    if (accumulate) value += c[j];
    c[j] = value;
}

// MARK: scratch layouts

/// From this many activation rows the VNNI int8 path packs weight panels (int8_gemm.c).
#ifndef GPT2K_INT8_GEMM_MIN_ROWS
#define GPT2K_INT8_GEMM_MIN_ROWS 32
#endif

/// int8 activations: scales [m] floats, zeros [m] int32, codes [m][ldq] u8, and below VNNI
/// (x86 only) codes - zero as int16 [m][ldq]; ldq = k rounded up to 64, padding zero.
typedef struct {
    float *scales;
    int32_t *zeros;
    uint8_t *codes;
    int16_t *wide;
    long ldq;
} gpt2k_int8_acts;

GPT2K_INLINE gpt2k_int8_acts gpt2k_int8_layout(int isa, void *scratch, long m, long k) {
    gpt2k_int8_acts acts;
    char *base = (char *)scratch;
    long header = gpt2k_round_up(m * 4, 64);
    acts.ldq = gpt2k_round_up(k > 0 ? k : 1, 64);
    acts.scales = (float *)base;
    acts.zeros = (int32_t *)(base + header);
    acts.codes = (uint8_t *)(base + 2 * header);
    acts.wide = (isa == GPT2K_ISA_AVX2 || isa == GPT2K_ISA_AVX512) ? (int16_t *)(base + 2 * header + m * acts.ldq) : NULL;
    return acts;
}

/// q4 activations, per row (stride gpt2k_q4_row_bytes, a multiple of 64): codes [kc] s8 in
/// natural order (kc = k rounded up to 64, padding zero), then per block of 32 its scale (float)
/// and, after all scales, its compensation -8 * sum of the block's codes (int32), which turns
/// the sum of unsigned nibbles times codes into the sum of (nibble - 8) times codes.
GPT2K_INLINE long gpt2k_q4_codes_bytes(long k) { return gpt2k_round_up(k > 0 ? k : 1, 64); }
GPT2K_INLINE long gpt2k_q4_row_bytes(long k) { return gpt2k_round_up(gpt2k_q4_codes_bytes(k) + 8 * (k / 32), 64); }

#if GPT2K_X86
/// The packed-panel VNNI kernel for m >= GPT2K_INT8_GEMM_MIN_ROWS (int8_gemm.c); `panel` holds
/// gpt2k_int8_panel_bytes, 64-byte aligned.
GPT2K_VNNI void gpt2k_int8_gemm_vnni(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                     const float *bias, float *c, long ldc, long j0, long j1, int accumulate,
                                     void *panel);
#endif

#endif
