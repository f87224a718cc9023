// Dynamic per-block s8 quantization of the activations that multiply q4 weights, in the layout
// the q4 kernels read (see gpt2k_q4_row_bytes in common.h).
#include "common.h"

size_t gpt2k_q4_scratch_bytes(long m, long k) { return (size_t)(m * gpt2k_q4_row_bytes(k)); }

/// Quantizes one row; the same arithmetic at every level (the x86 wrappers only let clang
/// vectorize it), so every level reads identical codes.
GPT2K_INLINE void q4_quantize_row(const float *x, long k, int8_t *row) {
    long kc = gpt2k_q4_codes_bytes(k), blocks = k / 32;
    float *scales = (float *)(row + kc);
    int32_t *compensation = (int32_t *)(row + kc + 4 * blocks);
    memset(row + k, 0, (size_t)(kc - k));
    for (long block = 0; block < blocks; block++) {
        const float *v = x + 32 * block;
        float amax = 0, poison = 0;
        for (int t = 0; t < 32; t++) {
            float magnitude = fabsf(v[t]);
            amax = magnitude > amax ? magnitude : amax;
            poison += v[t] - v[t];
        }
        float scale = amax / 127.0f, inverse = 1.0f / scale;
        if (poison != 0) {
            scale = NAN;
            inverse = 0;
        } else if (!(scale > 0) || !isfinite(inverse) || !isfinite(scale)) {
            scale = 0;
            inverse = 0;
        }
        int32_t sum = 0;
        for (int t = 0; t < 32; t++) {
            float q = nearbyintf(v[t] * inverse);
            q = q < -127 ? -127 : (q > 127 ? 127 : q);
            row[32 * block + t] = (int8_t)q;
            sum += (int32_t)q;
        }
        scales[block] = scale;
        compensation[block] = -8 * sum;
    }
}

static void q4_quantize_portable(const float *a, long lda, long m, long k, int8_t *scratch) {
    for (long i = 0; i < m; i++) q4_quantize_row(a + i * lda, k, scratch + i * gpt2k_q4_row_bytes(k));
}

#if GPT2K_X86
GPT2K_AVX2 static void q4_quantize_avx2(const float *a, long lda, long m, long k, int8_t *scratch) {
    for (long i = 0; i < m; i++) q4_quantize_row(a + i * lda, k, scratch + i * gpt2k_q4_row_bytes(k));
}

GPT2K_AVX512 static void q4_quantize_avx512(const float *a, long lda, long m, long k, int8_t *scratch) {
    for (long i = 0; i < m; i++) q4_quantize_row(a + i * lda, k, scratch + i * gpt2k_q4_row_bytes(k));
}
#endif

void gpt2k_q4_quantize_activations(int isa, const float *a, long lda, long m, long k, void *scratch) {
    (void)isa;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) { q4_quantize_avx512(a, lda, m, k, (int8_t *)scratch); return; }
    if (isa == GPT2K_ISA_AVX2) { q4_quantize_avx2(a, lda, m, k, (int8_t *)scratch); return; }
#endif
    q4_quantize_portable(a, lda, m, k, (int8_t *)scratch);
}
