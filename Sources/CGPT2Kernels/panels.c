// Weights in 16-column panels ([n / 16][k][16], GPT2Kernels' `inputPanels` layout), fp32 or
// 16-bit (fp16 / bf16, widened in registers), times fp32 activations. AVX-512: one tile shape
// serves both, up to 6 activation rows by up to 4 panels (64 columns, 24 zmm accumulators); each
// step loads one row of each panel (4 contiguous streams) and broadcasts 6 activations. AVX2: up
// to 6 rows by one panel (12 ymm accumulators), for fp32 panels only up to 16 rows (decode and
// batched decode; for prompts GPT2Kernels' Swift tiles measured faster). Few rows (decode) walk
// one panel at a time, so each thread reads a single ascending stream.
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

/// Bytes of one element of a panel weight.
GPT2K_INLINE long panel_element_bytes(int kind) { return kind == PANEL_F32 ? 4 : 2; }

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
        for (long j = p0; j < p1; j += panels_per_tile) {
        const int np = p1 - j < panels_per_tile ? (int)(p1 - j) : (int)panels_per_tile;
        const void *panels = (const char *)w + j * k * 16 * panel_element_bytes(kind);
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

/// 16 elements of a panel row as fp32, columns 0-7 in `lo` and 8-15 in `hi`.
GPT2K_INLINE GPT2K_AVX2 void panel_load_256(const int kind, const void *w, long index, __m256 *lo, __m256 *hi) {
    if (kind == PANEL_F32) {
        *lo = _mm256_loadu_ps((const float *)w + index);
        *hi = _mm256_loadu_ps((const float *)w + index + 8);
        return;
    }
    *lo = half_load8_256(kind == PANEL_BF16, (const uint16_t *)w + index);
    *hi = half_load8_256(kind == PANEL_BF16, (const uint16_t *)w + index + 8);
}

/// Rows i..i+MR-1 of a times one panel (k rows of 16), over the whole depth: 2 * MR * U ymm
/// accumulators (at most 12 of AVX2's 16 registers), the depth unrolled U times so that few
/// rows still keep enough independent FMA chains in flight.
GPT2K_INLINE GPT2K_AVX2 void panel_tile_256(const int kind, const int MR, const int U, const float *a, long lda,
                                            const void *w, long k, const float *bias, float *c, long ldc,
                                            int accumulate) {
    __m256 lo[4][6], hi[4][6];
    for (int u = 0; u < U; u++)
        for (int r = 0; r < MR; r++) lo[u][r] = hi[u][r] = _mm256_setzero_ps();
    // A panel row is 64 bytes of fp32 or 32 of 16-bit values.
    const long row_bytes = 16 * panel_element_bytes(kind);
    const long ahead = kind == PANEL_F32 ? GPT2K_AVX2_F32_PREFETCH : GPT2K_AVX2_PANEL_PREFETCH;
    long p = 0;
    for (; p + U <= k; p += U) {
        for (int u = 0; u < U; u++) {
            // One prefetch per 64-byte line (p is a multiple of U, U = 1, 2 or 4).
            if (row_bytes == 64 || ((p + u) & 1) == 0)
                _mm_prefetch((const char *)w + (p + u) * row_bytes + ahead, _MM_HINT_T0);
            __m256 w0, w1;
            panel_load_256(kind, w, (p + u) * 16, &w0, &w1);
            for (int r = 0; r < MR; r++) {
                __m256 x = _mm256_broadcast_ss(a + r * lda + p + u);
                lo[u][r] = _mm256_fmadd_ps(x, w0, lo[u][r]);
                hi[u][r] = _mm256_fmadd_ps(x, w1, hi[u][r]);
            }
        }
    }
    for (; p < k; p++) {
        __m256 w0, w1;
        panel_load_256(kind, w, p * 16, &w0, &w1);
        for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + p);
            lo[0][r] = _mm256_fmadd_ps(x, w0, lo[0][r]);
            hi[0][r] = _mm256_fmadd_ps(x, w1, hi[0][r]);
        }
    }
    for (int r = 0; r < MR; r++) {
        __m256 v0 = lo[0][r], v1 = hi[0][r];
        if (U == 2) {
            v0 = _mm256_add_ps(v0, lo[1][r]);
            v1 = _mm256_add_ps(v1, hi[1][r]);
        } else if (U == 4) {
            v0 = _mm256_add_ps(_mm256_add_ps(v0, lo[1][r]), _mm256_add_ps(lo[2][r], lo[3][r]));
            v1 = _mm256_add_ps(_mm256_add_ps(v1, hi[1][r]), _mm256_add_ps(hi[2][r], hi[3][r]));
        }
        float *target = c + r * ldc;
        if (bias) {
            v0 = _mm256_add_ps(v0, _mm256_loadu_ps(bias));
            v1 = _mm256_add_ps(v1, _mm256_loadu_ps(bias + 8));
        }
        if (accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_loadu_ps(target));
            v1 = _mm256_add_ps(v1, _mm256_loadu_ps(target + 8));
        }
        _mm256_storeu_ps(target, v0);
        _mm256_storeu_ps(target + 8, v1);
    }
}

/// Up to 6 rows times one panel; the unroll keeps 8-12 accumulators at every row count.
GPT2K_INLINE GPT2K_AVX2 void panel_rows_256(const int kind, int rows, const float *a, long lda, const void *w, long k,
                                            const float *bias, float *c, long ldc, int accumulate) {
    switch (rows) {
    case 1: panel_tile_256(kind, 1, 4, a, lda, w, k, bias, c, ldc, accumulate); break;
    case 2: panel_tile_256(kind, 2, 2, a, lda, w, k, bias, c, ldc, accumulate); break;
    case 3: panel_tile_256(kind, 3, 2, a, lda, w, k, bias, c, ldc, accumulate); break;
    case 4: panel_tile_256(kind, 4, 1, a, lda, w, k, bias, c, ldc, accumulate); break;
    case 5: panel_tile_256(kind, 5, 1, a, lda, w, k, bias, c, ldc, accumulate); break;
    default: panel_tile_256(kind, 6, 1, a, lda, w, k, bias, c, ldc, accumulate); break;
    }
}

#ifndef GPT2K_PANEL_CHUNK_256
#define GPT2K_PANEL_CHUNK_256 4
#endif

/// Up to 4 rows: panel after panel (one ascending stream), rows in groups of 4, the first
/// group reading the panel from memory and the others from cache. More rows: blocks of
/// GPT2K_PANEL_CHUNK_256 panels, each block swept by 6-row tiles while it stays in L2.
GPT2K_INLINE GPT2K_AVX2 void panels_256_kind(const int kind, const float *a, long lda, const void *w, long m, long k,
                                             const float *bias, float *c, long ldc, long p0, long p1,
                                             int accumulate) {
        const long group = m <= 4 ? 4 : 6;
    const long chunk = m <= 4 ? 1 : GPT2K_PANEL_CHUNK_256;
    for (long j0 = p0; j0 < p1; j0 += chunk) {
        const long j1 = p1 - j0 < chunk ? p1 : j0 + chunk;
        for (long i = 0; i < m; i += group) {
            const int rows = m - i < group ? (int)(m - i) : (int)group;
            for (long j = j0; j < j1; j++) {
                const void *panel = (const char *)w + j * k * 16 * panel_element_bytes(kind);
                panel_rows_256(kind, rows, a + i * lda, lda, panel, k, bias ? bias + j * 16 : NULL,
                               c + i * ldc + j * 16, ldc, accumulate);
            }
        }
    }
}

GPT2K_AVX2 static void panels_256(int kind, const float *a, long lda, const void *w, long m, long k,
                                  const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    switch (kind) {
    case PANEL_F32: panels_256_kind(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate); break;
    case PANEL_F16: panels_256_kind(PANEL_F16, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate); break;
    default: panels_256_kind(PANEL_BF16, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate); break;
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
    if (isa == GPT2K_ISA_AVX2 && m <= 16) {
        if (p1 > p0) panels_256(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
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
    if (isa == GPT2K_ISA_AVX2) {
        panels_256(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
        return;
    }
#endif
    panels_portable(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
}
