// fp32 weights in the [n, k] row-major layout (nn.Linear, the tied LM head) times one activation
// row: the one-stream decode GEMV (LinearRoute.f32RowsC).
//
// Each thread reads its outputs' rows as one ascending stream, prefetching GPT2K_AVX2_F32_PREFETCH
// bytes ahead, four rows at a time whose sums are reduced together: on AVX2 CPUs faster than
// GPT2Kernels' Swift dot rows for one stream (README, "Kernel routes", has the measurements).
#include "common.h"

#if GPT2K_X86
// Written in the vector layer (simd.h) like the other kernels; instantiated at AVX2 only (the
// route table picks it on AVX2 CPUs; tests also run it on AVX-512 CPUs, which have AVX2).
#define GPT2K_LEVEL GPT2K_LEVEL_AVX2
#include "simd_level.h"

/// `x · row`, four independent accumulators, as one vector of partial sums.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(f32_row_dot)(const float *x, const float *row, long k) {
    VF s0 = VF_ZERO(), s1 = s0, s2 = s0, s3 = s0;
    long p = 0;
    for (; p + 4 * GPT2K_VW <= k; p += 4 * GPT2K_VW) {
        if (GPT2K_L_F32_PREFETCH)
            for (int line = 0; line < 4 * GPT2K_VW * 4 / 64; line++)
                GPT2K_PREFETCH((const char *)(row + p) + GPT2K_L_F32_PREFETCH + 64 * line);
        s0 = VF_FMA(VF_LOAD(x + p), VF_LOAD(row + p), s0);
        s1 = VF_FMA(VF_LOAD(x + p + GPT2K_VW), VF_LOAD(row + p + GPT2K_VW), s1);
        s2 = VF_FMA(VF_LOAD(x + p + 2 * GPT2K_VW), VF_LOAD(row + p + 2 * GPT2K_VW), s2);
        s3 = VF_FMA(VF_LOAD(x + p + 3 * GPT2K_VW), VF_LOAD(row + p + 3 * GPT2K_VW), s3);
    }
    for (; p + GPT2K_VW <= k; p += GPT2K_VW) s0 = VF_FMA(VF_LOAD(x + p), VF_LOAD(row + p), s0);
    if (p < k) s0 = VF_FMA(GPT2K_L(vf_load_part)(x + p, k - p), GPT2K_L(vf_load_part)(row + p, k - p), s0);
    return VF_ADD(VF_ADD(s0, s1), VF_ADD(s2, s3));
}

GPT2K_TARGET static void GPT2K_L(f32_rows)(const float *x, const float *w, long ldw, long k, const float *bias,
                                           float *c, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        const int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        VF sums[4];
        for (int q = 0; q < 4; q++) sums[q] = q < cols ? GPT2K_L(f32_row_dot)(x, w + (j + q) * ldw, k) : VF_ZERO();
        float lanes[4];
        _mm_storeu_ps(lanes, GPT2K_L(vf_sum4)(sums[0], sums[1], sums[2], sums[3]));
        for (int q = 0; q < cols; q++) gpt2k_emit(lanes[q], bias, c, j + q, accumulate);
    }
}
#undef GPT2K_LEVEL
#endif

int gpt2k_f32_rows(int isa, const float *x, const float *w, long ldw, long k, const float *bias, float *c, long j0,
                   long j1, int accumulate) {
    (void)isa; (void)x; (void)w; (void)ldw; (void)k; (void)bias; (void)c; (void)j0; (void)j1; (void)accumulate;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX2) {
        if (j1 > j0) f32_rows_avx2(x, w, ldw, k, bias, c, j0, j1, accumulate);
        return 1;
    }
#endif
    return 0;
}
