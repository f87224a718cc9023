// Loads of 16-bit weights widened to fp32, shared by half_linear.c and panels.c.
#ifndef CGPT2KERNELS_HALF_H
#define CGPT2KERNELS_HALF_H

#include "common.h"

#if GPT2K_X86
/// 16 weights (32 bytes, `mask` selects which are read; the rest are 0) widened to fp32.
GPT2K_INLINE GPT2K_AVX512 __m512 half_load16_512(const int bf16, const uint16_t *p, __mmask16 mask) {
    __m256i h = _mm256_maskz_loadu_epi16(mask, p);
    if (bf16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
}

GPT2K_INLINE GPT2K_AVX512 __mmask16 half_mask16(long remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : (remaining <= 0 ? 0 : (__mmask16)((1u << remaining) - 1));
}

/// 8 weights (16 bytes) widened to fp32.
GPT2K_INLINE GPT2K_AVX2 __m256 half_load8_256(const int bf16, const uint16_t *p) {
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (bf16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
}

#endif

#endif
