// Dynamic per-row u8 quantization of the activations that multiply int8 weights.
#include "common.h"

size_t gpt2k_int8_scratch_bytes(int isa, long m, long k) {
    long header = gpt2k_round_up(m * 4, 64), ldq = gpt2k_round_up(k > 0 ? k : 1, 64);
    size_t bytes = (size_t)(2 * header + m * ldq);
    if (isa == GPT2K_ISA_AVX2 || isa == GPT2K_ISA_AVX512) bytes += (size_t)(2 * m * ldq);
    return bytes;
}

/// Scale, reciprocal and zero point of a row from its extremes (see the header).
GPT2K_INLINE void int8_row_parameters(float lo, float hi, int finite, float *scale, float *inverse, int32_t *zero) {
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    *scale = 0;
    *inverse = 0;
    *zero = 0;
    if (!finite) {
        *scale = NAN;
        return;
    }
    float s = (hi - lo) / 255.0f;
    float inv = 1.0f / s;
    if (!(s > 0) || !isfinite(inv) || !isfinite(s)) return;  // all zero, or too tiny / huge to scale
    float z = nearbyintf(-lo * inv);
    z = z < 0 ? 0 : (z > 255 ? 255 : z);
    *scale = s;
    *inverse = inv;
    *zero = (int32_t)z;
}

GPT2K_INLINE int32_t int8_code(float x, float inverse, int32_t zero) {
    int32_t q = (int32_t)nearbyintf(x * inverse) + zero;
    return q < 0 ? 0 : (q > 255 ? 255 : q);
}

/// Portable quantization of one row; also the reference the vector paths reproduce.
GPT2K_INLINE void int8_quantize_row(const float *x, long k, long ldq, uint8_t *codes, int16_t *wide,
                                    float *scale, int32_t *zero) {
    float lo = 0, hi = 0, poison = 0;
    for (long p = 0; p < k; p++) {
        lo = x[p] < lo ? x[p] : lo;
        hi = x[p] > hi ? x[p] : hi;
        poison += x[p] - x[p];
    }
    float inverse;
    int8_row_parameters(lo, hi, poison == 0, scale, &inverse, zero);
    for (long p = 0; p < k; p++) {
        int32_t q = int8_code(x[p], inverse, *zero);
        codes[p] = (uint8_t)q;
        if (wide) wide[p] = (int16_t)(q - *zero);
    }
    for (long p = k; p < ldq; p++) {
        codes[p] = 0;
        if (wide) wide[p] = 0;
    }
}

static void int8_quantize_portable(const float *a, long lda, long m, long k, gpt2k_int8_acts acts) {
    for (long i = 0; i < m; i++)
        int8_quantize_row(a + i * lda, k, acts.ldq, acts.codes + i * acts.ldq, acts.wide ? acts.wide + i * acts.ldq : NULL,
                          acts.scales + i, acts.zeros + i);
}

#if GPT2K_X86
/// The portable loop compiled for one level, so clang vectorizes it for that width; every
/// level runs the same arithmetic and so writes the same codes.
#define INT8_QUANTIZE_AT(NAME, TARGET)                                                                             \
    TARGET static void NAME(const float *a, long lda, long m, long k, gpt2k_int8_acts acts) {                      \
        for (long i = 0; i < m; i++)                                                                               \
            int8_quantize_row(a + i * lda, k, acts.ldq, acts.codes + i * acts.ldq,                                 \
                              acts.wide ? acts.wide + i * acts.ldq : NULL, acts.scales + i, acts.zeros + i);       \
    }
INT8_QUANTIZE_AT(int8_quantize_avx2, GPT2K_AVX2)
#undef INT8_QUANTIZE_AT

/// AVX-512 (and VNNI) levels: masked 16-lane passes. The portable loop does not vectorize
/// there (its NaN-aware min/max and poison sum are sequential float chains), which measured as
/// a large share of an int8 prompt's time on an AVX-512 VNNI CPU. Same arithmetic, same codes.
GPT2K_AVX512 static void int8_quantize_avx512(const float *a, long lda, long m, long k, gpt2k_int8_acts acts) {
    for (long i = 0; i < m; i++) {
        const float *x = a + i * lda;
        __m512 lo = _mm512_setzero_ps(), hi = lo, poison = lo;
        for (long p = 0; p < k; p += 16) {
            __mmask16 mask = k - p >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - p)) - 1);
            __m512 v = _mm512_maskz_loadu_ps(mask, x + p);
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
            poison = _mm512_add_ps(poison, _mm512_sub_ps(v, v));
        }
        float scale, inverse;
        int32_t zero;
        int8_row_parameters(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), _mm512_reduce_add_ps(poison) == 0,
                            &scale, &inverse, &zero);
        acts.scales[i] = scale;
        acts.zeros[i] = zero;
        uint8_t *codes = acts.codes + i * acts.ldq;
        int16_t *wide = acts.wide ? acts.wide + i * acts.ldq : NULL;
        __m512 inv = _mm512_set1_ps(inverse);
        __m512i z = _mm512_set1_epi32(zero), top = _mm512_set1_epi32(255), bottom = _mm512_setzero_si512();
        for (long p = 0; p < acts.ldq; p += 16) {
            __mmask16 mask = p >= k ? 0 : (k - p >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - p)) - 1));
            __m512 v = _mm512_maskz_loadu_ps(mask, x + p);
            __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)), z);
            q = _mm512_maskz_min_epi32(mask, _mm512_max_epi32(q, bottom), top);
            _mm_storeu_si128((__m128i *)(codes + p), _mm512_cvtepi32_epi8(q));
            if (wide) _mm256_storeu_si256((__m256i *)(wide + p), _mm512_cvtepi32_epi16(_mm512_maskz_sub_epi32(mask, q, z)));
        }
    }
}
#endif

void gpt2k_int8_quantize_activations(int isa, const float *a, long lda, long m, long k, void *scratch) {
    gpt2k_int8_acts acts = gpt2k_int8_layout(isa, scratch, m, k);
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) { int8_quantize_avx512(a, lda, m, k, acts); return; }
    if (isa == GPT2K_ISA_AVX2) { int8_quantize_avx2(a, lda, m, k, acts); return; }
#endif
    int8_quantize_portable(a, lda, m, k, acts);
}
