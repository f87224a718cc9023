// fp16 / bf16 [k, n] weights for few activation rows, split over k: each call streams a slab
// of whole weight rows in memory order (the prefetchers' best case) into partial sums in L1, and
// gpt2k_sum_partials adds the slabs.
#include "half_common.h"

static void half_partial_rows_portable(int bf16, const float *a, long lda, const uint16_t *w, long m, long n,
                                       long p0, long p1, float *partial) {
    memset(partial, 0, sizeof(float) * (size_t)(m * n));
    for (long p = p0; p < p1; p++)
        for (long i = 0; i < m; i++) {
            float x = a[i * lda + p];
            for (long j = 0; j < n; j++) partial[i * n + j] += x * gpt2k_widen(w[p * n + j], bf16);
        }
}

#if GPT2K_X86

// MARK: AVX-512

/// Rows p0..p1-1 of [k, n] weights, each streamed whole, accumulated into MR partial rows in L1.
GPT2K_INLINE GPT2K_AVX512 void half_partial_rows_tile_512(const int MR, const int bf16, const float *a, long lda,
                                                          const uint16_t *w, long n, long p0, long p1, float *partial) {
    memset(partial, 0, sizeof(float) * (size_t)(MR * n));
    for (long p = p0; p < p1; p++) {
        __m512 x[4];
        for (int r = 0; r < MR; r++) x[r] = _mm512_set1_ps(a[r * lda + p]);
        const uint16_t *row = w + p * n;
        long j = 0;
        for (; j + 16 <= n; j += 16) {  // unmasked: masked stores are slow on some CPUs (Zen 4)
            __m512 wv = half_load16_512(bf16, row + j, 0xFFFF);
            for (int r = 0; r < MR; r++) {
                float *target = partial + r * n + j;
                _mm512_storeu_ps(target, _mm512_fmadd_ps(x[r], wv, _mm512_loadu_ps(target)));
            }
        }
        if (j < n) {
            __mmask16 mask = half_mask16(n - j);
            __m512 wv = half_load16_512(bf16, row + j, mask);
            for (int r = 0; r < MR; r++) {
                float *target = partial + r * n + j;
                _mm512_mask_storeu_ps(target, mask, _mm512_fmadd_ps(x[r], wv, _mm512_maskz_loadu_ps(mask, target)));
            }
        }
    }
}

GPT2K_AVX512 static void half_partial_rows_512(int bf16, const float *a, long lda, const uint16_t *w, long m, long n,
                                               long p0, long p1, float *partial) {
    for (long i = 0; i < m; i += 4) {
        int rows = m - i < 4 ? (int)(m - i) : 4;
        const float *x = a + i * lda;
        float *out = partial + i * n;
#define HALF_PARTIAL_CASE(R) \
        case R: if (bf16) half_partial_rows_tile_512(R, 1, x, lda, w, n, p0, p1, out); \
                else half_partial_rows_tile_512(R, 0, x, lda, w, n, p0, p1, out); break;
        switch (rows) { HALF_PARTIAL_CASE(1) HALF_PARTIAL_CASE(2) HALF_PARTIAL_CASE(3) default: HALF_PARTIAL_CASE(4) }
#undef HALF_PARTIAL_CASE
    }
}

// MARK: AVX2

GPT2K_INLINE GPT2K_AVX2 void half_partial_rows_tile_256(const int MR, const int bf16, const float *a, long lda,
                                                        const uint16_t *w, long n, long p0, long p1, float *partial) {
    memset(partial, 0, sizeof(float) * (size_t)(MR * n));
    for (long p = p0; p < p1; p++) {
        __m256 x[4];
        for (int r = 0; r < MR; r++) x[r] = _mm256_set1_ps(a[r * lda + p]);
        const uint16_t *row = w + p * n;
        long j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 wv = half_load8_256(bf16, row + j);
            for (int r = 0; r < MR; r++) {
                float *target = partial + r * n + j;
                _mm256_storeu_ps(target, _mm256_fmadd_ps(x[r], wv, _mm256_loadu_ps(target)));
            }
        }
        for (; j < n; j++) {
            float v = gpt2k_widen(row[j], bf16);
            for (int r = 0; r < MR; r++) partial[r * n + j] += a[r * lda + p] * v;
        }
    }
}

GPT2K_AVX2 static void half_partial_rows_256(int bf16, const float *a, long lda, const uint16_t *w, long m, long n,
                                             long p0, long p1, float *partial) {
    for (long i = 0; i < m; i += 4) {
        int rows = m - i < 4 ? (int)(m - i) : 4;
        const float *x = a + i * lda;
        float *out = partial + i * n;
#define HALF_PARTIAL_CASE(R) \
        case R: if (bf16) half_partial_rows_tile_256(R, 1, x, lda, w, n, p0, p1, out); \
                else half_partial_rows_tile_256(R, 0, x, lda, w, n, p0, p1, out); break;
        switch (rows) { HALF_PARTIAL_CASE(1) HALF_PARTIAL_CASE(2) HALF_PARTIAL_CASE(3) default: HALF_PARTIAL_CASE(4) }
#undef HALF_PARTIAL_CASE
    }
}

#endif

void gpt2k_half_partial_rows(int isa, int bf16, const float *a, long lda, const uint16_t *w, long m, long n,
                             long p0, long p1, float *partial) {
    (void)isa;
    if (m <= 0 || n <= 0) return;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) { half_partial_rows_512(bf16, a, lda, w, m, n, p0, p1, partial); return; }
    if (isa == GPT2K_ISA_AVX2) { half_partial_rows_256(bf16, a, lda, w, m, n, p0, p1, partial); return; }
#endif
    half_partial_rows_portable(bf16, a, lda, w, m, n, p0, p1, partial);
}

void gpt2k_sum_partials(const float *partials, long count, long m, long n, const float *bias, float *c, long ldc,
                        int accumulate) {
    for (long i = 0; i < m; i++)
        for (long j0 = 0; j0 < n; j0 += 64) {
            long width = n - j0 < 64 ? n - j0 : 64;
            float sum[64];
            memcpy(sum, partials + i * n + j0, sizeof(float) * (size_t)width);
            for (long t = 1; t < count; t++) {
                const float *part = partials + (t * m + i) * n + j0;
                for (long j = 0; j < width; j++) sum[j] += part[j];
            }
            for (long j = 0; j < width; j++) gpt2k_emit(sum[j], bias, c + i * ldc, j0 + j, accumulate);
        }
}
