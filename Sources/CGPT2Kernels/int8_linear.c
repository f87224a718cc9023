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

// MARK: AVX-512 (with and without VNNI)

/// Sums each of a, b, c, d within every 128-bit lane: lane L of the result is [sum a, sum b,
/// sum c, sum d] over lane L of the inputs.
GPT2K_INLINE GPT2K_AVX512 __m512i int8_reduce4_512(__m512i a, __m512i b, __m512i c, __m512i d) {
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

/// Adds the four 128-bit lanes of each input: the result holds [g0 | g1 | g2 | g3] totals.
GPT2K_INLINE GPT2K_AVX512 __m512i int8_combine4_512(__m512i g0, __m512i g1, __m512i g2, __m512i g3) {
    __m512i s01 = _mm512_add_epi32(_mm512_shuffle_i32x4(g0, g1, 0x44), _mm512_shuffle_i32x4(g0, g1, 0xEE));
    __m512i s23 = _mm512_add_epi32(_mm512_shuffle_i32x4(g2, g3, 0x44), _mm512_shuffle_i32x4(g2, g3, 0xEE));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(s01, s23, 0x88), _mm512_shuffle_i32x4(s01, s23, 0xDD));
}

/// Writes rows i..i+rows-1, columns j..j+cols-1 from `dots` (row r's 4 columns in lanes 4r..4r+3):
/// (float)(dot - zero * rowsum) * (scale_a * scale_w) + bias (+ c).
GPT2K_AVX512 static void int8_epilogue_512(__m512i dots, __m128i rowsums, gpt2k_int8_acts acts, long i, int rows,
                                           const float *w_scales, const float *bias, float *c, long ldc, long j,
                                           int cols, int accumulate) {
    int32_t lanes[16] __attribute__((aligned(64)));
    _mm512_store_si512(lanes, dots);
    __mmask8 mask = (__mmask8)((1u << cols) - 1);
    __m128 ws = _mm_maskz_loadu_ps(mask, w_scales + j);
    __m128 b = bias ? _mm_maskz_loadu_ps(mask, bias + j) : _mm_setzero_ps();
    for (int r = 0; r < rows; r++) {
        __m128i d = _mm_load_si128((const __m128i *)(lanes + 4 * r));
        d = _mm_sub_epi32(d, _mm_mullo_epi32(_mm_set1_epi32(acts.zeros[i + r]), rowsums));
        __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(d), _mm_mul_ps(_mm_set1_ps(acts.scales[i + r]), ws));
        if (bias) v = _mm_add_ps(v, b);
        float *target = c + (i + r) * ldc + j;
        if (accumulate) v = _mm_add_ps(v, _mm_maskz_loadu_ps(mask, target));
        _mm_mask_storeu_ps(target, mask, v);
    }
}

/// Reduces the 4 x 4 accumulators of a tile to one vector: row r's 4 columns in lanes 4r..4r+3.
GPT2K_INLINE GPT2K_AVX512 __m512i int8_finish_512(__m512i acc[4][4]) {
    __m512i g[4];
    for (int r = 0; r < 4; r++) g[r] = int8_reduce4_512(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    return int8_combine4_512(g[0], g[1], g[2], g[3]);
}

GPT2K_INLINE GPT2K_AVX512 __mmask64 int8_mask64(long remaining) {
    return remaining >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << remaining) - 1);
}

// Memory order matters more than instruction count when one activation row meets the weights:
// the hardware prefetchers follow one long ascending stream, not four interleaved 768-byte ones
// (measured: twice the throughput from DRAM). So single-row tiles walk each weight row to its
// end before the next (row-sequential), and multi-row tiles read a block that an earlier
// row-sequential pass (the row sums) has already brought into L1.

/// One activation row (u8 codes) against weight rows w[0..3] (s8), row-sequential, with the
/// weight row sums: lanes 0..3 hold the dot products, lanes 4..7 the sums.
GPT2K_INLINE GPT2K_VNNI __m512i int8_row_vnni(const uint8_t *a, long k, const int8_t *const w[4]) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i acc[4], sum[4];
    for (int q = 0; q < 4; q++) {
        acc[q] = _mm512_setzero_si512();
        sum[q] = acc[q];
        long p = 0;
        for (; p + 64 <= k; p += 64) {
            __m512i wv = _mm512_loadu_si512((const void *)(w[q] + p));
            acc[q] = _mm512_dpbusd_epi32(acc[q], _mm512_loadu_si512((const void *)(a + p)), wv);
            sum[q] = _mm512_dpbusd_epi32(sum[q], ones, wv);
        }
        if (p < k) {
            __m512i wv = _mm512_maskz_loadu_epi8(int8_mask64(k - p), w[q] + p);
            acc[q] = _mm512_dpbusd_epi32(acc[q], _mm512_loadu_si512((const void *)(a + p)), wv);
            sum[q] = _mm512_dpbusd_epi32(sum[q], ones, wv);
        }
    }
    __m512i zero = _mm512_setzero_si512();
    return int8_combine4_512(int8_reduce4_512(acc[0], acc[1], acc[2], acc[3]),
                             int8_reduce4_512(sum[0], sum[1], sum[2], sum[3]), zero, zero);
}

/// Row sums of four weight rows, row-sequential (so this pass streams the block from memory
/// into L1 for the tiles that follow), as [s0, s1, s2, s3].
GPT2K_INLINE GPT2K_VNNI __m128i int8_rowsums_vnni(long k, const int8_t *const w[4]) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i sum[4];
    for (int q = 0; q < 4; q++) {
        sum[q] = _mm512_setzero_si512();
        long p = 0;
        for (; p + 64 <= k; p += 64) sum[q] = _mm512_dpbusd_epi32(sum[q], ones, _mm512_loadu_si512((const void *)(w[q] + p)));
        if (p < k) sum[q] = _mm512_dpbusd_epi32(sum[q], ones, _mm512_maskz_loadu_epi8(int8_mask64(k - p), w[q] + p));
    }
    __m512i g = int8_reduce4_512(sum[0], sum[1], sum[2], sum[3]);
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(g), _mm512_extracti64x4_epi64(g, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/// One 64-wide step of a tile (`mask` selects the valid bytes; a constant all-ones mask
/// compiles to plain loads: masks computed at run time in every step cost half the speed).
GPT2K_INLINE GPT2K_VNNI void int8_step_vnni(const int MR, __m512i acc[4][4], const uint8_t *a, long ldq,
                                            const int8_t *const w[4], long p, __mmask64 mask) {
    __m512i wv[4];
    for (int q = 0; q < 4; q++) wv[q] = _mm512_maskz_loadu_epi8(mask, w[q] + p);
    for (int r = 0; r < MR; r++) {
        __m512i av = _mm512_loadu_si512((const void *)(a + r * ldq + p));
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
    }
}

/// Rows i..i+MR-1 (MR >= 2) of the activations against weight rows w[0..3] already in cache.
GPT2K_INLINE GPT2K_VNNI __m512i int8_tile_vnni(const int MR, gpt2k_int8_acts acts, long i, long k, const int8_t *const w[4]) {
    __m512i acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_si512();
    const uint8_t *a = acts.codes + i * acts.ldq;
    long p = 0;
    for (; p + 64 <= k; p += 64) int8_step_vnni(MR, acc, a, acts.ldq, w, p, ~(__mmask64)0);
    if (p < k) int8_step_vnni(MR, acc, a, acts.ldq, w, p, int8_mask64(k - p));
    return int8_finish_512(acc);
}

GPT2K_VNNI static void int8_linear_vnni(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                        const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const int8_t *w0 = w + j * k;
        const int8_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0, cols > 3 ? w0 + 3 * k : w0};
        if (m == 1) {
            __m512i r = int8_row_vnni(acts.codes, k, rows4);
            int8_epilogue_512(r, _mm512_extracti32x4_epi32(r, 1), acts, 0, 1, w_scales, bias, c, ldc, j, cols, accumulate);
            continue;
        }
        __m128i sums = int8_rowsums_vnni(k, rows4);
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            __m512i dots;
            switch (rows) {
            case 1: {
                // A lone last row: the row-sequential kernel (its sums are recomputed, harmlessly).
                dots = int8_row_vnni(acts.codes + i * acts.ldq, k, rows4);
                dots = _mm512_maskz_mov_epi32(0x000F, dots);
                break;
            }
            case 2: dots = int8_tile_vnni(2, acts, i, k, rows4); break;
            case 3: dots = int8_tile_vnni(3, acts, i, k, rows4); break;
            default: dots = int8_tile_vnni(4, acts, i, k, rows4); break;
            }
            int8_epilogue_512(dots, sums, acts, i, rows, w_scales, bias, c, ldc, j, cols, accumulate);
        }
    }
}

/// One 32-wide step of the vpmaddwd tile (see int8_step_vnni for the mask).
GPT2K_INLINE GPT2K_AVX512 void int8_step_avx512(const int MR, __m512i acc[4][4], const int16_t *a, long ldq,
                                                const int8_t *const w[4], long p, __mmask32 mask) {
    __m512i wv[4];
    for (int q = 0; q < 4; q++) wv[q] = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, w[q] + p));
    for (int r = 0; r < MR; r++) {
        __m512i av = _mm512_loadu_si512((const void *)(a + r * ldq + p));
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_add_epi32(acc[r][q], _mm512_madd_epi16(av, wv[q]));
    }
}

/// Without VNNI: int16 (code - zero) times sign-extended weights (vpmaddwd), 32 per step, so
/// no row sums are needed. MR == 1 walks the weight rows one after another (see above); larger
/// tiles prefetch the block `ahead` bytes on.
GPT2K_INLINE GPT2K_AVX512 __m512i int8_tile_avx512(const int MR, gpt2k_int8_acts acts, long i, long k,
                                                   const int8_t *const w[4], long ahead) {
    __m512i acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_si512();
    const int16_t *a = acts.wide + i * acts.ldq;
    long tail = k % 32, body = k - tail;
    __mmask32 tailMask = (((__mmask32)1 << tail) - 1);
    if (MR == 1) {
        for (int q = 0; q < 4; q++) {
            for (long p = 0; p < body; p += 32) {
                __m512i wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(w[q] + p)));
                acc[0][q] = _mm512_add_epi32(acc[0][q], _mm512_madd_epi16(_mm512_loadu_si512((const void *)(a + p)), wv));
            }
            if (tail) {
                __m512i wv = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(tailMask, w[q] + body));
                acc[0][q] = _mm512_add_epi32(acc[0][q], _mm512_madd_epi16(_mm512_loadu_si512((const void *)(a + body)), wv));
            }
        }
        return int8_finish_512(acc);
    }
    for (long p = 0; p < body; p += 32) {
        if ((p & 63) == 0)
            for (int q = 0; q < 4; q++) _mm_prefetch((const char *)(w[q] + p + ahead), _MM_HINT_T0);
        int8_step_avx512(MR, acc, a, acts.ldq, w, p, ~(__mmask32)0);
    }
    if (tail) int8_step_avx512(MR, acc, a, acts.ldq, w, body, tailMask);
    return int8_finish_512(acc);
}

GPT2K_AVX512 static void int8_linear_avx512(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                            const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    long ahead = gpt2k_prefetch_distance(4 * k);
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const int8_t *w0 = w + j * k;
        const int8_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0, cols > 3 ? w0 + 3 * k : w0};
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            __m512i dots;
            switch (rows) {
            case 1: dots = int8_tile_avx512(1, acts, i, k, rows4, ahead); break;
            case 2: dots = int8_tile_avx512(2, acts, i, k, rows4, ahead); break;
            case 3: dots = int8_tile_avx512(3, acts, i, k, rows4, ahead); break;
            default: dots = int8_tile_avx512(4, acts, i, k, rows4, ahead); break;
            }
            int8_epilogue_512(dots, _mm_setzero_si128(), acts, i, rows, w_scales, bias, c, ldc, j, cols, accumulate);
        }
    }
}

// MARK: AVX2

GPT2K_INLINE GPT2K_AVX2 __m128i int8_reduce4_256(__m256i a, __m256i b, __m256i c, __m256i d) {
    __m256i ab = _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
    __m256i cd = _mm256_add_epi32(_mm256_unpacklo_epi32(c, d), _mm256_unpackhi_epi32(c, d));
    __m256i s = _mm256_add_epi32(_mm256_unpacklo_epi64(ab, cd), _mm256_unpackhi_epi64(ab, cd));
    return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

/// Rows i..i+MR-1 against weight rows w0..w3, 16 elements per step (the k % 16 tail in scalar);
/// `dots[r]` gets row r's four sums.
GPT2K_INLINE GPT2K_AVX2 void int8_tile_avx2(const int MR, gpt2k_int8_acts acts, long i, long k, const int8_t *w0,
                                 const int8_t *w1, const int8_t *w2, const int8_t *w3, __m128i dots[4]) {
    __m256i acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm256_setzero_si256();
    const int8_t *w[4] = {w0, w1, w2, w3};
    const int16_t *a = acts.wide + i * acts.ldq;
    long p = 0;
    if (MR == 1) {
        for (int q = 0; q < 4; q++)
            for (p = 0; p + 16 <= k; p += 16) {
                __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w[q] + p)));
                acc[0][q] = _mm256_add_epi32(acc[0][q], _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(a + p)), wv));
            }
    } else
    for (; p + 16 <= k; p += 16) {
        __m256i wv[4];
        for (int q = 0; q < 4; q++) wv[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w[q] + p)));
        for (int r = 0; r < MR; r++) {
            __m256i av = _mm256_loadu_si256((const __m256i *)(a + r * acts.ldq + p));
            for (int q = 0; q < 4; q++) acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(av, wv[q]));
        }
    }
    for (int r = 0; r < MR; r++) {
        int32_t tail[4] = {0, 0, 0, 0};
        for (long t = p; t < k; t++)
            for (int q = 0; q < 4; q++) tail[q] += (int32_t)a[r * acts.ldq + t] * (int32_t)w[q][t];
        dots[r] = _mm_add_epi32(int8_reduce4_256(acc[r][0], acc[r][1], acc[r][2], acc[r][3]),
                                _mm_loadu_si128((const __m128i *)tail));
    }
}

GPT2K_AVX2 static void int8_linear_avx2(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                        const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const int8_t *w0 = w + j * k;
        const int8_t *w1 = cols > 1 ? w0 + k : w0, *w2 = cols > 2 ? w0 + 2 * k : w0, *w3 = cols > 3 ? w0 + 3 * k : w0;
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            __m128i dots[4];
            switch (rows) {
            case 1: int8_tile_avx2(1, acts, i, k, w0, w1, w2, w3, dots); break;
            case 2: int8_tile_avx2(2, acts, i, k, w0, w1, w2, w3, dots); break;
            case 3: int8_tile_avx2(3, acts, i, k, w0, w1, w2, w3, dots); break;
            default: int8_tile_avx2(4, acts, i, k, w0, w1, w2, w3, dots); break;
            }
            for (int r = 0; r < rows; r++) {
                int32_t lanes[4];
                _mm_storeu_si128((__m128i *)lanes, dots[r]);
                for (int q = 0; q < cols; q++)
                    int8_emit(lanes[q], acts.scales[i + r], w_scales, bias, c + (i + r) * ldc, j + q, accumulate);
            }
        }
    }
}
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
