// fp32 weights in the [n, k] row-major layout (nn.Linear, the tied LM head) times one activation
// row: the one-stream decode GEMV. AVX2 only; elsewhere GPT2Kernels' Swift kernels run.
//
// Each thread reads its outputs' rows as one ascending stream, prefetching GPT2K_AVX2_F32_PREFETCH
// bytes ahead, four rows at a time whose sums are reduced together. Measured on Zen 1 (2 threads)
// with panels.c's fp32 stream for the blocks: GPT-2 124M's linears at one stream 41.5-44.3 tok/s
// against 33.6-35.6 with GPT2Kernels' Swift loops (whose LM head deals its rows to the threads
// in 16 interleaved pieces).
#include "common.h"

#if GPT2K_X86

/// `x · row`, four independent accumulators, as one vector of partial sums; `*tail` gets the
/// scalar remainder past the last multiple of 8.
GPT2K_INLINE GPT2K_AVX2 __m256 f32_row_dot_256(const float *x, const float *row, long k, float *tail) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    long p = 0;
    for (; p + 32 <= k; p += 32) {
        _mm_prefetch((const char *)(row + p) + GPT2K_AVX2_F32_PREFETCH, _MM_HINT_T0);
        _mm_prefetch((const char *)(row + p) + GPT2K_AVX2_F32_PREFETCH + 64, _MM_HINT_T0);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p), _mm256_loadu_ps(row + p), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p + 8), _mm256_loadu_ps(row + p + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p + 16), _mm256_loadu_ps(row + p + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p + 24), _mm256_loadu_ps(row + p + 24), s3);
    }
    for (; p + 8 <= k; p += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p), _mm256_loadu_ps(row + p), s0);
    float rest = 0;
    for (; p < k; p++) rest += x[p] * row[p];
    *tail = rest;
    return _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
}

GPT2K_AVX2 static void f32_rows_256(const float *x, const float *w, long ldw, long k, const float *bias, float *c,
                                    long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        const int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        __m256 sums[4];
        float tails[4] = {0, 0, 0, 0};
        for (int q = 0; q < 4; q++)
            sums[q] = q < cols ? f32_row_dot_256(x, w + (j + q) * ldw, k, &tails[q]) : _mm256_setzero_ps();
        float lanes[4];
        _mm_storeu_ps(lanes, _mm_add_ps(gpt2k_reduce4_256(sums[0], sums[1], sums[2], sums[3]), _mm_loadu_ps(tails)));
        for (int q = 0; q < cols; q++) gpt2k_emit(lanes[q], bias, c, j + q, accumulate);
    }
}

#endif

int gpt2k_f32_rows(int isa, const float *x, const float *w, long ldw, long k, const float *bias, float *c, long j0,
                   long j1, int accumulate) {
    (void)isa; (void)x; (void)w; (void)ldw; (void)k; (void)bias; (void)c; (void)j0; (void)j1; (void)accumulate;
#if GPT2K_X86
    if (isa == GPT2K_ISA_AVX2) {
        if (j1 > j0) f32_rows_256(x, w, ldw, k, bias, c, j0, j1, accumulate);
        return 1;
    }
#endif
    return 0;
}
