// fp16 / bf16 weights in 16-column panels ([n / 16][k][16], GPT2Kernels' `inputPanels` layout)
// times fp32 activations. Few rows (decode): each panel is one contiguous 32-bytes-per-step
// stream with its 16 sums in registers (and the caller gives each thread one contiguous run of
// panels). More rows: up to 6 rows by 4 panels (24 zmm accumulators), as f32_panels.c. The
// portable path is plain C for other CPUs and for tests that force a level.
#include "half_common.h"

static void half_panels_portable(int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                                 const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    for (long j = p0; j < p1; j++) {
        const uint16_t *panel = w + j * k * 16;
        for (long i = 0; i < m; i++) {
            float sum[16] = {0};
            for (long p = 0; p < k; p++) {
                float x = a[i * lda + p];
                for (int t = 0; t < 16; t++) sum[t] += x * gpt2k_widen(panel[p * 16 + t], bf16);
            }
            for (int t = 0; t < 16; t++) gpt2k_emit(sum[t], bias, c + i * ldc, j * 16 + t, accumulate);
        }
    }
}

#if GPT2K_X86

/// Rows i..i+MR-1 of a times panels w[0..NP-1] over the whole depth (MR <= 6, NP <= 4).
GPT2K_INLINE GPT2K_AVX512 void half_panel_tile_512(const int MR, const int NP, const int bf16, const float *a, long lda,
                                                   const uint16_t *w, long k, const float *bias, float *c, long ldc,
                                                   int accumulate) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int q = 0; q < NP; q++) acc[r][q] = _mm512_setzero_ps();
    const long stride = k * 16;
    for (long p = 0; p < k; p++) {
        __m512 wv[4];
        for (int q = 0; q < NP; q++) wv[q] = half_load16_512(bf16, w + q * stride + p * 16, 0xFFFF);
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

GPT2K_INLINE GPT2K_AVX512 void half_panels_512_variant(const int bf16, const float *a, long lda, const uint16_t *w,
                                                       long m, long k, const float *bias, float *c, long ldc, long p0,
                                                       long p1, int accumulate) {
    // Few rows: one panel at a time (a single stream), rows in groups of up to 6.
    // Many rows: 4 panels at a time, so each activation broadcast feeds 4 FMAs.
    const long step = m <= 4 ? 1 : 4;
    for (long j = p0; j < p1; j += step) {
        const int np = p1 - j < step ? (int)(p1 - j) : (int)step;
        const uint16_t *panels = w + j * k * 16;
        const float *b = bias ? bias + j * 16 : NULL;
        for (long i = 0; i < m; i += 6) {
            const int rows = m - i < 6 ? (int)(m - i) : 6;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j * 16;
#define HALF_PANEL_CASE(R, P) case P: half_panel_tile_512(R, P, bf16, x, lda, panels, k, b, target, ldc, accumulate); break;
#define HALF_PANEL_ROWS(R) case R: switch (np) { HALF_PANEL_CASE(R, 1) HALF_PANEL_CASE(R, 2) HALF_PANEL_CASE(R, 3) default: HALF_PANEL_CASE(R, 4) } break;
            switch (rows) { HALF_PANEL_ROWS(1) HALF_PANEL_ROWS(2) HALF_PANEL_ROWS(3) HALF_PANEL_ROWS(4) HALF_PANEL_ROWS(5) default: HALF_PANEL_ROWS(6) }
#undef HALF_PANEL_ROWS
#undef HALF_PANEL_CASE
        }
    }
}

GPT2K_AVX512 static void half_panels_512(int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                                         const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    if (bf16) half_panels_512_variant(1, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
    else half_panels_512_variant(0, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
}

#endif

void gpt2k_half_panels(int isa, int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                       const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    (void)isa;
    if (m <= 0 || p1 <= p0) return;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        half_panels_512(bf16, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
        return;
    }
#endif
    half_panels_portable(bf16, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
}
