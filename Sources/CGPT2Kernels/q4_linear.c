// q4 weights [n, k / 2] (blocks of 32 along k, one fp16 scale each, w = (q - 8) * scale) times
// per-block s8 activations. For each block the integer sum_t q * code - 8 * sum_t code is exact;
// it is scaled by scale_a * scale_w and accumulated in fp32. The nibbles are used as the
// unsigned operand (0..15), so no weight-side correction is needed.
#include "common.h"

static void q4_linear_portable(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                               const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    long blocks = k / 32, kpad = gpt2k_round_up(k > 0 ? k : 1, 128), stride = gpt2k_q4_row_bytes(k);
    for (long j = j0; j < j1; j++) {
        const uint8_t *row = w + j * (k / 2);
        for (long i = 0; i < m; i++) {
            const int8_t *codes = acts + i * stride;
            float sum = 0;
            for (long b = 0; b < blocks; b++) {
                const float *scales = (const float *)(codes + kpad + 128 * (b / 4));
                const int32_t *compensation = (const int32_t *)(codes + kpad + 128 * (b / 4) + 64);
                int32_t dot = compensation[4 * (b % 4)];
                for (int t = 0; t < 16; t++) {
                    uint8_t byte = row[16 * b + t];
                    dot += (int32_t)(byte & 0x0F) * codes[gpt2k_q4_position(32 * b + 2 * t)];
                    dot += (int32_t)(byte >> 4) * codes[gpt2k_q4_position(32 * b + 2 * t + 1)];
                }
                sum += ((float)dot * scales[4 * (b % 4)]) * gpt2k_half_to_float(w_scales[j * blocks + b]);
            }
            gpt2k_emit(sum, bias, c + i * ldc, j, accumulate);
        }
    }
}

#if GPT2K_X86

// MARK: AVX-512 (with and without VNNI)

GPT2K_INLINE GPT2K_AVX512 __m512 q4_reduce4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
    __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    __m512d lo = _mm512_unpacklo_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd));
    __m512d hi = _mm512_unpackhi_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd));
    return _mm512_add_ps(_mm512_castpd_ps(lo), _mm512_castpd_ps(hi));
}

GPT2K_INLINE GPT2K_AVX512 __m512 q4_combine4_512(__m512 g0, __m512 g1, __m512 g2, __m512 g3) {
    __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(g0, g1, 0x44), _mm512_shuffle_f32x4(g0, g1, 0xEE));
    __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(g2, g3, 0x44), _mm512_shuffle_f32x4(g2, g3, 0xEE));
    return _mm512_add_ps(_mm512_shuffle_f32x4(s01, s23, 0x88), _mm512_shuffle_f32x4(s01, s23, 0xDD));
}

/// Integer dot products of one group (4 blocks) in 16 lanes (block b in lanes 4b..4b+3).
GPT2K_INLINE GPT2K_AVX512 __m512i q4_group_dot_avx512(__m512i comp, __m512i lo, __m512i hi, __m512i even, __m512i odd) {
    __m512i ones = _mm512_set1_epi16(1);
    __m512i sum = _mm512_add_epi16(_mm512_maddubs_epi16(lo, even), _mm512_maddubs_epi16(hi, odd));
    return _mm512_add_epi32(comp, _mm512_madd_epi16(sum, ones));
}

GPT2K_INLINE GPT2K_VNNI __m512i q4_group_dot_vnni(__m512i comp, __m512i lo, __m512i hi, __m512i even, __m512i odd) {
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(comp, lo, even), hi, odd);
}

/// One group (4 blocks) of weight rows w[0..3] against rows 0..MR-1 of `acts` (stride `stride`),
/// accumulated into acc; `dataMask` / `scaleMask` select the blocks present (constant all-ones
/// masks compile to plain loads, which matters: masks computed at run time in every step cost
/// about a third of the speed). MR == 1 takes one weight row `q` only (row-sequential order).
#define Q4_GROUP_512(ATTR, NAME, GROUP_DOT)                                                                        \
    GPT2K_INLINE ATTR void NAME(const int MR, __m512 acc[4][4], const int8_t *acts, long stride, long kpad,        \
                                const uint8_t *const w[4], const uint16_t *const s[4], int first, int last,        \
                                long g, __mmask64 dataMask, __mmask8 scaleMask) {                                  \
        const __m512i low = _mm512_set1_epi8(0x0F);                                                                \
        const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);                 \
        __m512i lo[4], hi[4];                                                                                      \
        __m512 ws[4];                                                                                              \
        for (int q = first; q < last; q++) {                                                                       \
            __m512i raw = _mm512_maskz_loadu_epi8(dataMask, w[q] + 64 * g);                                        \
            lo[q] = _mm512_and_si512(raw, low);                                                                    \
            hi[q] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low);                                              \
            __m128 four = _mm_cvtph_ps(_mm_maskz_loadu_epi16(scaleMask, s[q] + 4 * g));                            \
            ws[q] = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(four));                                   \
        }                                                                                                          \
        for (int r = 0; r < MR; r++) {                                                                             \
            const int8_t *row = acts + r * stride;                                                                 \
            __m512i even = _mm512_loadu_si512((const void *)(row + 128 * g));                                      \
            __m512i odd = _mm512_loadu_si512((const void *)(row + 128 * g + 64));                                  \
            __m512 as = _mm512_loadu_ps((const float *)(row + kpad + 128 * g));                                    \
            __m512i comp = _mm512_loadu_si512((const void *)(row + kpad + 128 * g + 64));                          \
            for (int q = first; q < last; q++) {                                                                   \
                __m512 dot = _mm512_cvtepi32_ps(GROUP_DOT(comp, lo[q], hi[q], even, odd));                         \
                acc[r][q] = _mm512_fmadd_ps(_mm512_mul_ps(dot, as), ws[q], acc[r][q]);                             \
            }                                                                                                      \
        }                                                                                                          \
    }

Q4_GROUP_512(GPT2K_VNNI, q4_group_vnni, q4_group_dot_vnni)
Q4_GROUP_512(GPT2K_AVX512, q4_group_avx512, q4_group_dot_avx512)

/// Rows i..i+MR-1 (MR <= 2) of the activations against weight rows w[0..3]; row r's four sums
/// land in lanes 4r..4r+3. One row walks each weight row to its end in turn (row-sequential:
/// one long ascending stream for the prefetchers, see int8_linear.c).
#define Q4_TILE_512(NAME, ATTR, GROUP)                                                                             \
    GPT2K_INLINE ATTR __m512 NAME(const int MR, const int8_t *acts, long stride, long k,                          \
                                  const uint8_t *const w[4], const uint16_t *const s[4]) {                        \
        long blocks = k / 32, full = blocks / 4, kpad = gpt2k_round_up(k, 128);                                    \
        long rest = blocks - 4 * full;                                                                             \
        __mmask64 restData = (((__mmask64)1 << (16 * rest)) - 1);                                                  \
        __mmask8 restScales = (__mmask8)((1u << rest) - 1);                                                        \
        __m512 acc[4][4];                                                                                          \
        for (int r = 0; r < 4; r++)                                                                                \
            for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_ps();                                           \
        if (MR == 1) {                                                                                             \
            for (int q = 0; q < 4; q++) {                                                                          \
                for (long g = 0; g < full; g++) GROUP(1, acc, acts, stride, kpad, w, s, q, q + 1, g, ~(__mmask64)0, 0x0F); \
                if (rest) GROUP(1, acc, acts, stride, kpad, w, s, q, q + 1, full, restData, restScales);          \
            }                                                                                                      \
        } else {                                                                                                   \
            for (long g = 0; g < full; g++) GROUP(MR, acc, acts, stride, kpad, w, s, 0, 4, g, ~(__mmask64)0, 0x0F); \
            if (rest) GROUP(MR, acc, acts, stride, kpad, w, s, 0, 4, full, restData, restScales);                 \
        }                                                                                                          \
        __m512 g4[4];                                                                                              \
        for (int r = 0; r < 4; r++) g4[r] = q4_reduce4_512(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);           \
        return q4_combine4_512(g4[0], g4[1], g4[2], g4[3]);                                                        \
    }

Q4_TILE_512(q4_tile_vnni, GPT2K_VNNI, q4_group_vnni)
Q4_TILE_512(q4_tile_avx512, GPT2K_AVX512, q4_group_avx512)

#define Q4_DRIVER_512(NAME, ATTR, TILE)                                                                            \
    ATTR static void NAME(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,         \
                          const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {              \
        long stride = gpt2k_q4_row_bytes(k), blocks = k / 32;                                                      \
        for (long j = j0; j < j1; j += 4) {                                                                        \
            int cols = j1 - j < 4 ? (int)(j1 - j) : 4;                                                             \
            const uint8_t *w4[4];                                                                                  \
            const uint16_t *s4[4];                                                                                 \
            for (int q = 0; q < 4; q++) {                                                                          \
                long jj = q < cols ? j + q : j;                                                                    \
                w4[q] = w + jj * (k / 2);                                                                          \
                s4[q] = w_scales + jj * blocks;                                                                    \
            }                                                                                                      \
            __mmask8 colMask = (__mmask8)((1u << cols) - 1);                                                       \
            __m128 b = bias ? _mm_maskz_loadu_ps(colMask, bias + j) : _mm_setzero_ps();                            \
            for (long i = 0; i < m; i += 2) {                                                                      \
                int rows = m - i < 2 ? (int)(m - i) : 2;                                                           \
                __m512 dots = rows == 1 ? TILE(1, acts + i * stride, stride, k, w4, s4)                            \
                                        : TILE(2, acts + i * stride, stride, k, w4, s4);                           \
                float lanes[16] __attribute__((aligned(64)));                                                      \
                _mm512_store_ps(lanes, dots);                                                                      \
                for (int r = 0; r < rows; r++) {                                                                   \
                    __m128 v = _mm_load_ps(lanes + 4 * r);                                                         \
                    float *target = c + (i + r) * ldc + j;                                                         \
                    if (bias) v = _mm_add_ps(v, b);                                                                \
                    if (accumulate) v = _mm_add_ps(v, _mm_maskz_loadu_ps(colMask, target));                        \
                    _mm_mask_storeu_ps(target, colMask, v);                                                        \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

Q4_DRIVER_512(q4_linear_vnni, GPT2K_VNNI, q4_tile_vnni)
Q4_DRIVER_512(q4_linear_avx512, GPT2K_AVX512, q4_tile_avx512)

// MARK: AVX2

/// One row of activations against one weight row: two halves of 2 blocks per group.
GPT2K_INLINE GPT2K_AVX2 float q4_dot_avx2(const int8_t *row, long k, const uint8_t *w, const uint16_t *s) {
    long blocks = k / 32, groups = (blocks + 3) / 4, kpad = gpt2k_round_up(k, 128);
    const __m256i low = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    const __m256i spread0 = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1), spread1 = _mm256_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3);
    __m256 acc = _mm256_setzero_ps();
    for (long g = 0; g < groups; g++) {
        long present = blocks - 4 * g < 4 ? blocks - 4 * g : 4;
        uint8_t data[64] __attribute__((aligned(32)));
        uint16_t scales[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const uint8_t *source = w + 64 * g;
        if (present < 4) {
            memset(data, 0, 64);
            memcpy(data, source, (size_t)(16 * present));
            source = data;
        }
        memcpy(scales, s + 4 * g, (size_t)(2 * present));
        __m256 four = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_loadu_si128((const __m128i *)scales)));
        for (int h = 0; h < 2; h++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(source + 32 * h));
            __m256i lo = _mm256_and_si256(raw, low), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
            __m256i even = _mm256_loadu_si256((const __m256i *)(row + 128 * g + 32 * h));
            __m256i odd = _mm256_loadu_si256((const __m256i *)(row + 128 * g + 64 + 32 * h));
            __m256i sum16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, even), _mm256_maddubs_epi16(hi, odd));
            __m256i comp = _mm256_loadu_si256((const __m256i *)(row + kpad + 128 * g + 64 + 32 * h));
            __m256i dot = _mm256_add_epi32(comp, _mm256_madd_epi16(sum16, ones));
            __m256 as = _mm256_loadu_ps((const float *)(row + kpad + 128 * g + 32 * h));
            __m256 ws = _mm256_permutevar8x32_ps(four, h ? spread1 : spread0);
            acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(dot), as), ws, acc);
        }
    }
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

GPT2K_AVX2 static void q4_linear_avx2(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                                      const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    long stride = gpt2k_q4_row_bytes(k), blocks = k / 32;
    for (long j = j0; j < j1; j++)
        for (long i = 0; i < m; i++)
            gpt2k_emit(q4_dot_avx2(acts + i * stride, k, w + j * (k / 2), w_scales + j * blocks), bias, c + i * ldc, j,
                       accumulate);
}
#endif

void gpt2k_q4_linear(int isa, const void *scratch, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                     const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    (void)isa;
    if (m <= 0 || j1 <= j0) return;
    const int8_t *acts = (const int8_t *)scratch;
#if GPT2K_X86
    switch (isa) {
    case GPT2K_ISA_AVX512_VNNI: q4_linear_vnni(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    case GPT2K_ISA_AVX512: q4_linear_avx512(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    case GPT2K_ISA_AVX2: q4_linear_avx2(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate); return;
    default: break;
    }
#endif
    q4_linear_portable(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate);
}
