// int8 weights [n, k] (one float scale per output row) times u8-quantized activations.
// Every path computes the same exact integer sum_p (code - zero) * w for each output, then the
// same fp32 steps: (float)sum * (scale_a * scale_w), + bias, + c. Blocks of 4 weight rows are
// the outer loop (read from memory once) and blocks of up to 4 activation rows the inner one;
// with VNNI, one row walks the weight rows in memory order and 32 or more rows take the packed
// panels of int8_gemm.c. Bounds: |code - zero| <= 255 and |w| <= 128, so for k <= 65536 every
// partial sum fits in int32 (and vpmaddwd's pair sums in its int32 lanes).
#include "common.h"

/// The shared fp32 epilogue for one output: `dot` is sum_p (code - zero) * w.
GPT2K_INLINE void int8_emit(int32_t dot, float scale_a, const float *w_scales, const float *bias, float *c, long j,
                            int accumulate) {
    gpt2k_emit((float)dot * (scale_a * w_scales[j]), bias, c, j, accumulate);
}

static void int8_linear_portable(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                 const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j++) {
        const int8_t *row = w + j * k;
        for (long i = 0; i < m; i++) {
            const uint8_t *codes = acts.codes + i * acts.ldq;
            int32_t zero = acts.zeros[i], dot = 0;
            for (long p = 0; p < k; p++) dot += ((int32_t)codes[p] - zero) * (int32_t)row[p];
            int8_emit(dot, acts.scales[i], w_scales, bias, c + i * ldc, j, accumulate);
        }
    }
}

#if GPT2K_X86
// The vector kernels, one body (int8_kernels.h) compiled per level.
#define GPT2K_BODY "int8_kernels.h"
#define GPT2K_BODY_VNNI 1
#include "each_level.h"
#endif

void gpt2k_int8_linear(int isa, const void *scratch, void *panel, long m, long k, const int8_t *w,
                       const float *w_scales, const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    (void)panel;
    if (m <= 0 || j1 <= j0) return;
    gpt2k_int8_acts acts = gpt2k_int8_layout(isa, (void *)scratch, m, k);
#if GPT2K_X86
    switch (isa) {
    case GPT2K_ISA_AVX512_VNNI:
        if (panel && m >= GPT2K_INT8_GEMM_MIN_ROWS) {
            gpt2k_int8_gemm_vnni(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate, panel);
            return;
        }
        int8_linear_vnni(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    case GPT2K_ISA_AVX512: int8_linear_avx512(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    case GPT2K_ISA_AVX2: int8_linear_avx2(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    default: break;
    }
#endif
    int8_linear_portable(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate);
}
