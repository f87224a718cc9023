// The body of the panel kernels of panels.c (fp32, fp16 or bf16 weights in 16-column panels),
// written once for every vector width: panels.c includes it once per level after
// simd_level.h (hence no include guard), and each inclusion defines panels_<level>.
//
// A tile is MR (<= 6) activation rows by NP (<= GPT2K_L_PANELS_PER_TILE) panels, the depth
// unrolled U times (GPT2K_L_PANEL_UNROLL): U x MR x NP x 16 / VW accumulators, at most 12 of
// AVX2's 16 ymm registers (NP = 1) and 24 of AVX-512's 32 zmm (U = 1). Each step loads one row
// of each panel (NP contiguous streams) and broadcasts MR activations.
#if GPT2K_X86

/// VW elements of a panel weight from element `index`, as fp32.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(panel_load)(const int kind, const void *w, long index) {
    if (kind == PANEL_F32) return VF_LOAD((const float *)w + index);
    return GPT2K_L(half_load)(kind == PANEL_BF16, (const uint16_t *)w + index);
}

/// One depth step p of a tile into the accumulators `acc` (MR rows x NP x VPR vectors).
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(panel_step)(const int kind, const int MR, const int NP, const float *a, long lda,
                                                   const void *w, long stride, long p, VF acc[6][4]) {
    VF wv[4];
    for (int q = 0; q < NP; q++)
        for (int v = 0; v < GPT2K_VPR; v++)
            wv[q * GPT2K_VPR + v] = GPT2K_L(panel_load)(kind, w, q * stride + p * 16 + v * GPT2K_VW);
    for (int r = 0; r < MR; r++) {
        VF x = VF_SET1(a[r * lda + p]);
        for (int t = 0; t < NP * GPT2K_VPR; t++) acc[r][t] = VF_FMA(x, wv[t], acc[r][t]);
    }
}

/// Rows 0..MR-1 of a times panels 0..NP-1 at w (each k rows of 16), over the whole depth.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(panel_tile)(const int kind, const int MR, const int NP, const int U,
                                                   const float *a, long lda, const void *w, long k,
                                                   const float *bias, float *c, long ldc, int accumulate) {
    VF acc[4][6][4];
    for (int u = 0; u < U; u++)
        for (int r = 0; r < MR; r++)
            for (int t = 0; t < NP * GPT2K_VPR; t++) acc[u][r][t] = VF_ZERO();
    const long stride = k * 16;
    // A panel row is 64 bytes of fp32 or 32 of 16-bit values.
    const long element = panel_element_bytes(kind), row_bytes = 16 * element;
    const long ahead = kind == PANEL_F32 ? GPT2K_L_F32_PREFETCH : GPT2K_L_PANEL_PREFETCH;
    long p = 0;
    for (; p + U <= k; p += U) {
        for (int u = 0; u < U; u++) {
            // One prefetch per 64-byte line of each panel (p is a multiple of U, U = 1, 2 or 4).
            if (ahead && (row_bytes == 64 || ((p + u) & 1) == 0))
                for (int q = 0; q < NP; q++)
                    GPT2K_PREFETCH((const char *)w + (q * stride + (p + u) * 16) * element + ahead);
            GPT2K_L(panel_step)(kind, MR, NP, a, lda, w, stride, p + u, acc[u]);
        }
    }
    for (; p < k; p++) GPT2K_L(panel_step)(kind, MR, NP, a, lda, w, stride, p, acc[0]);
    for (int r = 0; r < MR; r++) {
        for (int t = 0; t < NP * GPT2K_VPR; t++) {
            VF v = acc[0][r][t];
            if (U == 2) v = VF_ADD(v, acc[1][r][t]);
            else if (U == 4) v = VF_ADD(VF_ADD(v, acc[1][r][t]), VF_ADD(acc[2][r][t], acc[3][r][t]));
            float *target = c + r * ldc + GPT2K_VW * t;
            if (bias) v = VF_ADD(v, VF_LOAD(bias + GPT2K_VW * t));
            if (accumulate) v = VF_ADD(v, VF_LOAD(target));
            VF_STORE(target, v);
        }
    }
}

/// Up to 6 rows times `np` panels (at most GPT2K_L_PANELS_PER_TILE; wider tiles are not
/// compiled where the level cannot hold them).
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(panel_rows)(const int kind, int rows, int np, const float *a, long lda,
                                                   const void *w, long k, const float *bias, float *c, long ldc,
                                                   int accumulate) {
#define PANEL_TILE(R, P) GPT2K_L(panel_tile)(kind, R, P, GPT2K_L_PANEL_UNROLL(R), a, lda, w, k, bias, c, ldc, accumulate)
#define PANEL_ROWS(R)                                                                                              \
    case R:                                                                                                        \
        if (GPT2K_L_PANELS_PER_TILE >= 4 && np >= 4) PANEL_TILE(R, 4);                                             \
        else if (GPT2K_L_PANELS_PER_TILE >= 3 && np == 3) PANEL_TILE(R, 3);                                        \
        else if (GPT2K_L_PANELS_PER_TILE >= 2 && np == 2) PANEL_TILE(R, 2);                                        \
        else PANEL_TILE(R, 1);                                                                                     \
        break;
    switch (rows) { PANEL_ROWS(1) PANEL_ROWS(2) PANEL_ROWS(3) PANEL_ROWS(4) PANEL_ROWS(5) default: PANEL_ROWS(6) }
#undef PANEL_ROWS
#undef PANEL_TILE
}

/// Panels [p0, p1) for m rows, in blocks of `chunk` panels: each block is swept by tiles of up
/// to 6 rows (4 when m <= 4) and GPT2K_L_PANELS_PER_TILE panels while it stays in cache. With
/// chunk 1 (few rows) a thread reads the panels as one ascending stream.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(panels_kind)(const int kind, const float *a, long lda, const void *w, long m,
                                                    long k, const float *bias, float *c, long ldc, long p0, long p1,
                                                    long chunk, int accumulate) {
    const long group = m <= 4 ? 4 : 6;
    for (long j0 = p0; j0 < p1; j0 += chunk) {
        const long j1 = p1 - j0 < chunk ? p1 : j0 + chunk;
        for (long i = 0; i < m; i += group) {
            const int rows = m - i < group ? (int)(m - i) : (int)group;
            for (long j = j0; j < j1; j += GPT2K_L_PANELS_PER_TILE) {
                const int np = j1 - j < GPT2K_L_PANELS_PER_TILE ? (int)(j1 - j) : GPT2K_L_PANELS_PER_TILE;
                const void *panels = (const char *)w + j * k * 16 * panel_element_bytes(kind);
                GPT2K_L(panel_rows)(kind, rows, np, a + i * lda, lda, panels, k, bias ? bias + j * 16 : NULL,
                                    c + i * ldc + j * 16, ldc, accumulate);
            }
        }
    }
}

GPT2K_TARGET static void GPT2K_L(panels)(int kind, const float *a, long lda, const void *w, long m, long k,
                                         const float *bias, float *c, long ldc, long p0, long p1, long chunk,
                                         int accumulate) {
    switch (kind) {
    case PANEL_F32: GPT2K_L(panels_kind)(PANEL_F32, a, lda, w, m, k, bias, c, ldc, p0, p1, chunk, accumulate); break;
    case PANEL_F16: GPT2K_L(panels_kind)(PANEL_F16, a, lda, w, m, k, bias, c, ldc, p0, p1, chunk, accumulate); break;
    default: GPT2K_L(panels_kind)(PANEL_BF16, a, lda, w, m, k, bias, c, ldc, p0, p1, chunk, accumulate); break;
    }
}

#endif
