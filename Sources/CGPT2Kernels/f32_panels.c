// fp32 weights in 16-column panels ([n / 16][k][16], GPT2Kernels' `inputPanels` layout) times
// fp32 activations, AVX-512 only (other CPUs run GPT2Kernels' Swift tiles). A tile is up to 6
// activation rows by up to 4 panels (64 columns): 24 zmm accumulators, each step loads one
// 64-byte line from each of the 4 panels (4 contiguous streams) and broadcasts 6 activations.
#include "common.h"

#if GPT2K_X86

/// rows i..i+MR-1 of a times panels w[0..NP-1] (each `k` rows of 16), over the whole depth.
/// `ahead`, when not NULL, is the next tile's first panel: its lines are prefetched as this
/// tile's are consumed, so the next block of weights arrives from memory while this one is
/// multiplied.
GPT2K_INLINE GPT2K_AVX512 void panel_tile_512(const int MR, const int NP, const float *a, long lda, const float *w,
                                              long k, const float *ahead, const float *bias, float *c, long ldc,
                                              int accumulate) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int q = 0; q < NP; q++) acc[r][q] = _mm512_setzero_ps();
    const long stride = k * 16;
    for (long p = 0; p < k; p++) {
        __m512 wv[4];
        for (int q = 0; q < NP; q++) wv[q] = _mm512_loadu_ps(w + q * stride + p * 16);
        if (ahead) {
            for (int q = 0; q < NP; q++) _mm_prefetch((const char *)(ahead + q * stride + p * 16), _MM_HINT_T0);
        }
        for (int r = 0; r < MR; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + p]);
            for (int q = 0; q < NP; q++) acc[r][q] = _mm512_fmadd_ps(x, wv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int q = 0; q < NP; q++) {
            __m512 v = acc[r][q];
            float *target = c + r * ldc + 16 * q;
            if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias + 16 * q));
            if (accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(target));
            _mm512_storeu_ps(target, v);
        }
    }
}

GPT2K_AVX512 static void f32_panels_512(const float *a, long lda, const float *w, long m, long k, const float *bias,
                                        float *c, long ldc, long p0, long p1, int accumulate) {
    for (long j = p0; j < p1; j += 4) {
        const int np = p1 - j < 4 ? (int)(p1 - j) : 4;
        const float *panels = w + j * k * 16;
        const float *next = j + 4 < p1 ? panels + 4 * k * 16 : NULL;
        const float *b = bias ? bias + j * 16 : NULL;
        for (long i = 0; i < m; i += 6) {
            const int rows = m - i < 6 ? (int)(m - i) : 6;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j * 16;
            const float *ahead = i == 0 ? next : NULL;
#define PANEL_CASE(R, P) case P: panel_tile_512(R, P, x, lda, panels, k, ahead, b, target, ldc, accumulate); break;
#define PANEL_ROWS(R) case R: switch (np) { PANEL_CASE(R, 1) PANEL_CASE(R, 2) PANEL_CASE(R, 3) default: PANEL_CASE(R, 4) } break;
            switch (rows) { PANEL_ROWS(1) PANEL_ROWS(2) PANEL_ROWS(3) PANEL_ROWS(4) PANEL_ROWS(5) default: PANEL_ROWS(6) }
#undef PANEL_ROWS
#undef PANEL_CASE
        }
    }
}

#endif

int gpt2k_f32_panels(int isa, const float *a, long lda, const float *w, long m, long k, const float *bias, float *c,
                     long ldc, long p0, long p1, int accumulate) {
    (void)isa; (void)a; (void)lda; (void)w; (void)m; (void)k; (void)bias; (void)c; (void)ldc; (void)p0; (void)p1;
    (void)accumulate;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        if (m > 0 && p1 > p0) f32_panels_512(a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
        return 1;
    }
#endif
    return 0;
}
