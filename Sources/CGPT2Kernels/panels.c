// Weights in 16-column panels ([n / 16][k][16], GPT2Kernels' `inputPanels` layout), fp32 or
// 16-bit (fp16 / bf16, widened in registers), times fp32 activations. AVX-512: one tile shape
// serves both, up to 6 activation rows by up to 4 panels (64 columns, 24 zmm accumulators); each
// step loads one row of each panel (4 contiguous streams) and broadcasts 6 activations. AVX2: up
// to 6 rows by one panel (12 ymm accumulators), for fp32 panels only up to 16 rows (decode and
// batched decode; for prompts GPT2Kernels' Swift tiles measured faster). Few rows (decode) walk
// one panel at a time, so each thread reads a single ascending stream.
#include "common.h"

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

// The vector kernels, one body (panel_kernels.h) compiled per level.
#define GPT2K_BODY "panel_kernels.h"
#include "each_level.h"

/// Panels an AVX2 call sweeps while they stay in L2, for more than 4 rows.
#ifndef GPT2K_PANEL_CHUNK_256
#define GPT2K_PANEL_CHUNK_256 4
#endif
#endif

int gpt2k_f32_panels(int isa, const float *a, long lda, const float *w, long m, long k, const float *bias, float *c,
                     long ldc, long p0, long p1, int accumulate) {
    (void)isa; (void)a; (void)lda; (void)w; (void)m; (void)k; (void)bias; (void)c; (void)ldc; (void)p0; (void)p1;
    (void)accumulate;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        if (m > 0 && p1 > p0) panels_avx512(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, 4, accumulate);
        return 1;
    }
    if (isa == GPT2K_ISA_AVX2) {
        if (p1 > p0) panels_avx2(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, m <= 4 ? 1 : GPT2K_PANEL_CHUNK_256, accumulate);
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
        panels_avx512(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, m <= 4 ? 1 : 4, accumulate);
        return;
    }
    if (isa == GPT2K_ISA_AVX2) {
        panels_avx2(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, m <= 4 ? 1 : GPT2K_PANEL_CHUNK_256, accumulate);
        return;
    }
#endif
    panels_portable(kind, a, lda, w, m, k, bias, c, ldc, p0, p1, accumulate);
}
