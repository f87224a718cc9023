// int8 weights in panels of 16 outputs (GPT2Kernels' int8 `inputPanels` layout) times u8
// activations, for CPUs without VNNI. One 32-byte chunk of a panel holds two consecutive k of
// all 16 outputs, as pairs: byte 2r + t of its first half is output r (0..7), input 2q + t; its
// second half the same for outputs 8..15. Sign-extended to int16, each half is one vector whose
// vpmaddwd with a broadcast pair of activations (code - zero, int16) adds both products into
// that output's int32 lane: no horizontal sums, a tile of rows x 16 outputs in registers, and a
// token reads each panel once, front to back. Same integers and the same fp32 epilogue as
// int8_linear.c, so every path gives the same bits.
//
// Why not vpmaddubsw (u8 x s8, twice the products per instruction): two u8 x s8 products can
// exceed int16 (2 * 255 * 127), so it would saturate; and on Zen 1 / Zen+ both vpmaddwd and
// vpmaddubsw issue on one pipe, so the int16 products run at the rate fp32 FMAs do.
#include "common.h"

/// Byte offset of weight (p, j) in a panel layout of k inputs (k even), j below the last n % 16.
GPT2K_INLINE long int8_panel_offset(long k, long p, long j) {
    return (j - j % 16) * k + 32 * (p / 2) + 16 * ((j % 16) / 8) + 2 * (j % 8) + p % 2;
}

/// Panels [p0, p1) of the panel region, plain C from the u8 codes (any level).
static void int8_panels_portable(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                 const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    for (long j = 16 * p0; j < 16 * p1; j++)
        for (long i = 0; i < m; i++) {
            const uint8_t *codes = acts.codes + i * acts.ldq;
            int32_t zero = acts.zeros[i], dot = 0;
            for (long p = 0; p < k; p++) dot += ((int32_t)codes[p] - zero) * (int32_t)w[int8_panel_offset(k, p, j)];
            gpt2k_emit((float)dot * (acts.scales[i] * w_scales[j]), bias, c + i * ldc, j, accumulate);
        }
}

#if GPT2K_X86

/// Rows i..i+MR-1 against one panel (`wp`, 16 k bytes) at output j, over the whole depth.
/// 2 MR accumulators + 2 weight vectors + 1 broadcast: MR <= 6 fits AVX2's 16 registers.
GPT2K_INLINE GPT2K_AVX2 void int8_panel_tile_avx2(const int MR, gpt2k_int8_acts acts, long i, long k, const int8_t *wp,
                                                  const float *w_scales, const float *bias, float *c, long ldc, long j,
                                                  int accumulate) {
    __m256i acc[6][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int16_t *a = acts.wide + i * acts.ldq;
    for (long q = 0; q < k / 2; q++) {
        if ((q & 1) == 0) _mm_prefetch((const char *)(wp + 32 * q + GPT2K_AVX2_PANEL_PREFETCH), _MM_HINT_T0);
        __m256i chunk = _mm256_loadu_si256((const __m256i *)(wp + 32 * q));
        __m256i lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(chunk));
        __m256i hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(chunk, 1));
        for (int r = 0; r < MR; r++) {
            int32_t pair;
            memcpy(&pair, a + r * acts.ldq + 2 * q, 4);
            __m256i b = _mm256_set1_epi32(pair);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b, lo));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b, hi));
        }
    }
    for (int h = 0; h < 2; h++) {
        __m256 ws = _mm256_loadu_ps(w_scales + j + 8 * h);
        __m256 bv = bias ? _mm256_loadu_ps(bias + j + 8 * h) : _mm256_setzero_ps();
        for (int r = 0; r < MR; r++) {
            // (float)dot * (scale_a * scale_w) + bias (+ c): the steps of int8_emit.
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][h]), _mm256_mul_ps(_mm256_set1_ps(acts.scales[i + r]), ws));
            float *target = c + (i + r) * ldc + j + 8 * h;
            if (bias) v = _mm256_add_ps(v, bv);
            if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(target));
            _mm256_storeu_ps(target, v);
        }
    }
}

/// Panels [p0, p1): for each panel, rows in tiles of up to 6 (the first tile streams the panel
/// from memory, the others find it in cache).
GPT2K_AVX2 static void int8_panels_avx2(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                        const float *bias, float *c, long ldc, long p0, long p1, int accumulate) {
    for (long panel = p0; panel < p1; panel++) {
        const int8_t *wp = w + 16 * panel * k;
        long j = 16 * panel, i = 0;
        for (; i + 6 <= m; i += 6) int8_panel_tile_avx2(6, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate);
        switch (m - i) {
        case 1: int8_panel_tile_avx2(1, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate); break;
        case 2: int8_panel_tile_avx2(2, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate); break;
        case 3: int8_panel_tile_avx2(3, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate); break;
        case 4: int8_panel_tile_avx2(4, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate); break;
        case 5: int8_panel_tile_avx2(5, acts, i, k, wp, w_scales, bias, c, ldc, j, accumulate); break;
        default: break;
        }
    }
}
#endif

void gpt2k_int8_panels(int isa, const void *scratch, long m, long k, long n, const int8_t *w, const float *w_scales,
                       const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    if (m <= 0 || j1 <= j0) return;
    long whole = n - n % 16;
    long p0 = j0 / 16, p1 = (j1 < whole ? j1 : whole) / 16;
    if (p1 > p0) {
        gpt2k_int8_acts acts = gpt2k_int8_layout(isa, (void *)scratch, m, k);
#if GPT2K_X86
        if (acts.wide) int8_panels_avx2(acts, m, k, w, w_scales, bias, c, ldc, p0, p1, accumulate);
        else
#endif
            int8_panels_portable(acts, m, k, w, w_scales, bias, c, ldc, p0, p1, accumulate);
    }
    // The last n % 16 outputs sit output-major, where that layout would put them.
    long tail = j0 > whole ? j0 : whole;
    if (j1 > tail) gpt2k_int8_linear(isa, scratch, NULL, m, k, w, w_scales, bias, c, ldc, tail, j1, accumulate);
}
