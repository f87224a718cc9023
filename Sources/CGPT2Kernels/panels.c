// Weights in 16-column panels ([n / 16][k][16], GPT2Kernels' `inputPanels` layout), fp32 or
// 16-bit (fp16 / bf16, widened in registers), times fp32 activations. One tile shape serves
// both: up to 6 activation rows by up to 4 panels (64 columns, 24 zmm accumulators); each step
// loads one row of each panel (4 contiguous streams) and broadcasts 6 activations. Few rows
// (decode) walk one panel at a time, so each thread reads a single ascending stream.
#include "half_common.h"

/// Element kinds of a panel weight.
enum { PANEL_F32 = 0, PANEL_F16 = 1, PANEL_BF16 = 2 };

GPT2K_INLINE float panel_value(int kind, const void *w, long index) {
    if (kind == PANEL_F32) return ((const float *)w)[index];
    return gpt2k_widen(((const uint16_t *)w)[index], kind == PANEL_BF16);
}

static void panels_portable(int kind, const float *a, long lda, const void *w, long m, long k, const float *bias,
                            float *c, long ldc, long p0, long p1, int accumulate) {
    for (long j = p0; j < p1; j++) {
        for (long i = 0; i < m; i++) {
            float sum[16] = {0};
            for (long p = 0; p < k; p++) {
                float x = a[i * lda + p];
                for (int t = 0; t < 16; t++) sum[t] += x * panel_value(kind, w, (j * k + p) * 16 + t);
            }
            for (int t = 0; t < 16; t++) gpt2k_emit(sum[t], bias, c + i * ldc, j * 16 + t, accumulate);
        }
    }
}

#if GPT2K_X86

/// 16 elements of a panel row, as fp32.
GPT2K_INLINE GPT2K_AVX512 __m512 panel_load_512(const int kind, const void *w, long index) {
    if (kind == PANEL_F32) return _mm512_loadu_ps((const float *)w + index);
    return half_load16_512(kind == PANEL_BF16, (const uint16_t *)w + index, 0xFFFF);
}

/// Rows i..i+MR-1 of a times panels w[0..NP-1] (each `k` rows of 16), over the whole depth.
GPT2K_INLINE GPT2K_AVX512 void panel_tile_512(const int kind, const int MR, const int NP, const float *a, long lda,
                                              const void *w, long k, const float *bias, float *c, long ldc,
                                              int accumulate) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int q = 0; q < NP; q++) acc[r][q] = _mm512_setzero_ps();
    const long stride = k * 16;
    for (long p = 0; p < k; p++) {
        __m512 wv[4];
        for (int q = 0; q < NP; q++) wv[q] = panel_load_512(kind, w, q * stride + p * 16);
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

GPT2K_INLINE GPT2K_AVX512 void panels_512_kind(const int kind, const float *a, long lda, const void *w, long m, long k,
                                               const float *bias, float *c, long ldc, long p0, long p1,
                                               long panels_per_tile, int accumulate) {
    const long element = kind == PANEL_F32 ? 4 : 2;
    for (long j = p0; j < p1; j += panels_per_tile) {
        const int np = p1 - j < panels_per_tile ? (int)(p1 - j) : (int)panels_per_tile;
        const void *panels = (const char *)w + j * k * 16 * element;
        const float *b = bias ? bias + j * 16 : NULL;
        for (long i = 0; i < m; i += 6) {
            const int rows = m - i < 6 ? (int)(m - i) : 6;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j * 16;
#define PANEL_CASE(R, P) case P: panel_tile_512(kind, R, P, x, lda, panels, k, b, target, ldc, accumulate); break;
#define PANEL_ROWS(R) case R: switch (np) { PANEL_CASE(R, 1) PANEL_CASE(R, 2) PANEL_CASE(R, 3) default: PANEL_CASE(R, 4) } break;
            switch (rows) { PANEL_ROWS(1) PANEL_ROWS(2) PANEL_ROWS(3) PANEL_ROWS(4) PANEL_ROWS(5) default: PANEL_ROWS(6) }
#undef PANEL_ROWS
#undef PANEL_CASE
        }
    }
}

GPT2K_AVX512 static void panels_512(int kind, const float *a, long lda, const void *w, long m, long k,
                                    const float *bias, float *c, long ldc, long p0, long p1, long panels_per_tile,
                                    int accumulate) {
    switch (kind) {
    case PANEL_F32: panels_512_kind(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, panels_per_tile, accumulate); break;
    case PANEL_F16: panels_512_kind(PANEL_F16, a, lda, w, m, k, bias, c, ldc, p0, p1, panels_per_tile, accumulate); break;
    default: panels_512_kind(PANEL_BF16, a, lda, w, m, k, bias, c, ldc, p0, p1, panels_per_tile, accumulate); break;
    }
}

#endif

int gpt2k_f32_panels(int isa, const float *a, long lda, const float *w, long m, long k, const float *bias, float *c,
                     long ldc, long p0, long p1, int accumulate) {
    (void)isa; (void)a; (void)lda; (void)w; (void)m; (void)k; (void)bias; (void)c; (void)ldc; (void)p0; (void)p1;
    (void)accumulate;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        if (m > 0 && p1 > p0) panels_512(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, 4, accumulate);
        return 1;
    }
#endif
    return 0;
}

void gpt2k_half_panels(int isa, int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                       const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    (void)isa;
    if (m <= 0 || p1 <= p0) return;
    const int kind = bf16 ? PANEL_BF16 : PANEL_F16;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        // Few rows: one panel at a time (a single stream); more: 4, so a broadcast feeds 4 FMAs.
        panels_512(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, m <= 4 ? 1 : 4, accumulate);
        return;
    }
#endif
    panels_portable(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
}
