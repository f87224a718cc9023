// q4 weights (blocks of 32 along k, one fp16 scale each, w = (q - 8) * scale) times per-block s8
// activations (q4_activations.c). Per output and block the integer sum_t q * code - 8 * sum_t code
// is exact; it is added to the fp32 total as fmaf(sum, scale_a * scale_w, total), block after
// block. Every level and layout does exactly these steps, so the result depends neither on the
// level, the layout, the rows that share a call nor the column split. The nibbles are the
// unsigned operand (0..15) of the byte products.
//
// Two weight layouts (see gpt2k_q4_linear in CGPT2Kernels.h): output-major rows, and panels of
// 16 outputs, where one 64-byte chunk holds 8 consecutive k of all 16 outputs (4 bytes an
// output: k 0..3 in the low nibbles, k 4..7 in the high ones). A panel's chunk is then one
// vector of 16 int32 lanes whose byte products with 4 broadcast activation codes are one
// dot-product instruction, so a token walks each panel as one stream with its 16 sums in
// registers and no reduction across lanes.
#include "common.h"

/// Block b's activation scale and compensation in row `row` of the activations.
#define Q4_ACT_SCALES(row, kc) ((const float *)((row) + (kc)))
#define Q4_ACT_COMP(row, kc, blocks) ((const int32_t *)((row) + (kc) + 4 * (blocks)))

/// One output-major weight row (k / 2 bytes, element 2t in the low nibble of byte t of its
/// block) against one activation row.
GPT2K_INLINE float q4_row_dot(const int8_t *row, long k, const uint8_t *w, const uint16_t *s) {
    long blocks = k / 32, kc = gpt2k_q4_codes_bytes(k);
    const float *as = Q4_ACT_SCALES(row, kc);
    const int32_t *comp = Q4_ACT_COMP(row, kc, blocks);
    float total = 0;
    for (long b = 0; b < blocks; b++) {
        int32_t dot = comp[b];
        for (int t = 0; t < 16; t++) {
            uint8_t byte = w[16 * b + t];
            dot += (int32_t)(byte & 0x0F) * row[32 * b + 2 * t] + (int32_t)(byte >> 4) * row[32 * b + 2 * t + 1];
        }
        total = fmaf((float)dot, as[b] * gpt2k_half_to_float(s[b]), total);
    }
    return total;
}

GPT2K_INLINE void q4_rows(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                          const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    long stride = gpt2k_q4_row_bytes(k), blocks = k / 32;
    for (long j = j0; j < j1; j++)
        for (long i = 0; i < m; i++)
            gpt2k_emit(q4_row_dot(acts + i * stride, k, w + j * (k / 2), w_scales + j * blocks), bias, c + i * ldc, j,
                       accumulate);
}

/// Columns [first, last) (within 0..16) of the panel at output j (its bytes `wp`, its scales `sp`).
static void q4_panel_plain(const int8_t *acts, long m, long k, const uint8_t *wp, const uint16_t *sp,
                           const float *bias, float *c, long ldc, long j, int first, int last, int accumulate) {
    long stride = gpt2k_q4_row_bytes(k), blocks = k / 32, kc = gpt2k_q4_codes_bytes(k);
    for (long i = 0; i < m; i++) {
        const int8_t *row = acts + i * stride;
        const float *as = Q4_ACT_SCALES(row, kc);
        const int32_t *comp = Q4_ACT_COMP(row, kc, blocks);
        float total[16] = {0};
        for (long b = 0; b < blocks; b++) {
            int32_t dot[16];
            for (int r = 0; r < 16; r++) dot[r] = comp[b];
            for (int chunk = 0; chunk < 4; chunk++) {
                const uint8_t *bytes = wp + 256 * b + 64 * chunk;
                const int8_t *x = row + 32 * b + 8 * chunk;
                for (int r = 0; r < 16; r++)
                    for (int t = 0; t < 4; t++) {
                        uint8_t byte = bytes[4 * r + t];
                        dot[r] += (int32_t)(byte & 0x0F) * x[t] + (int32_t)(byte >> 4) * x[4 + t];
                    }
            }
            for (int r = 0; r < 16; r++)
                total[r] = fmaf((float)dot[r], as[b] * gpt2k_half_to_float(sp[16 * b + r]), total[r]);
        }
        for (int r = first; r < last; r++) gpt2k_emit(total[r], bias, c + i * ldc, j + r, accumulate);
    }
}

#if GPT2K_X86

/// Four activation codes as one int32 (for broadcasting).
GPT2K_INLINE int32_t q4_word(const int8_t *x) {
    int32_t word;
    memcpy(&word, x, 4);
    return word;
}

// MARK: AVX-512 (with and without VNNI)

/// The block's 16 integer sums (one per output) from its 4 chunks: lo holds the chunks' low
/// nibbles, hi their high nibbles times 16 (the bytes with the low nibble cleared, one operation
/// fewer than shifting), x the block's 32 codes, comp the block's compensation. The high sum is
/// a multiple of 16 (at most 4 * 4 * 240 * 127 in magnitude), so shifting it back is exact.
GPT2K_INLINE GPT2K_VNNI __m512i q4_block_vnni(const __m512i lo[4], const __m512i hi[4], const int8_t *x, int32_t comp) {
    __m512i low = _mm512_set1_epi32(comp), high = _mm512_setzero_si512();
    for (int chunk = 0; chunk < 4; chunk++) {
        low = _mm512_dpbusd_epi32(low, lo[chunk], _mm512_set1_epi32(q4_word(x + 8 * chunk)));
        high = _mm512_dpbusd_epi32(high, hi[chunk], _mm512_set1_epi32(q4_word(x + 8 * chunk + 4)));
    }
    return _mm512_add_epi32(low, _mm512_srai_epi32(high, 4));
}

/// Without VNNI: pairs of byte products in int16 (each at most 2 * 15 * 127), eight of them per
/// lane summed in int16 (at most 30480, no saturation), then widened once.
GPT2K_INLINE GPT2K_AVX512 __m512i q4_block_avx512(const __m512i lo[4], const __m512i hi[4], const int8_t *x, int32_t comp) {
    __m512i pairs = _mm512_setzero_si512();
    for (int chunk = 0; chunk < 4; chunk++) {
        pairs = _mm512_add_epi16(pairs, _mm512_maddubs_epi16(lo[chunk], _mm512_set1_epi32(q4_word(x + 8 * chunk))));
        pairs = _mm512_add_epi16(pairs, _mm512_maddubs_epi16(hi[chunk], _mm512_set1_epi32(q4_word(x + 8 * chunk + 4))));
    }
    return _mm512_add_epi32(_mm512_set1_epi32(comp), _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
}

/// A chunk's high nibbles as the VNNI path wants them (times 16) and as the other path does.
#define Q4_HIGH_TIMES_16(raw, low) _mm512_andnot_si512(low, raw)
#define Q4_HIGH(raw, low) _mm512_and_si512(_mm512_srli_epi16(raw, 4), low)

/// Rows i..i+MR-1 (MR <= 4) against one panel: the 16 totals of row r in out[r]. Each block's
/// chunks are unpacked once for the MR rows.

#define Q4_PANEL_TILE_512(NAME, ATTR, BLOCK, HIGH)                                                                 \
    GPT2K_INLINE ATTR void NAME(const int MR, const int8_t *acts, long stride, long k, const uint8_t *wp,         \
                                const uint16_t *sp, __m512 out[4]) {                                               \
        long blocks = k / 32, kc = gpt2k_q4_codes_bytes(k);                                                        \
        /* Prefetching ahead (into the next panel) helps most when rows share a block: measured       */          \
        /* +15% at 8 rows, +3% at one, on weights streamed from DRAM.                                  */          \
        long ahead = gpt2k_prefetch_distance(256);                                                                 \
        const __m512i low = _mm512_set1_epi8(0x0F);                                                                \
        __m512 total[4];                                                                                           \
        for (int r = 0; r < 4; r++) total[r] = _mm512_setzero_ps();                                                \
        for (long b = 0; b < blocks; b++) {                                                                        \
            __m512i lo[4], hi[4];                                                                                  \
            for (int chunk = 0; chunk < 4; chunk++)                                                                \
                _mm_prefetch((const char *)(wp + 256 * b + 64 * chunk + ahead), _MM_HINT_T0);                      \
            for (int chunk = 0; chunk < 4; chunk++) {                                                              \
                __m512i raw = _mm512_loadu_si512((const void *)(wp + 256 * b + 64 * chunk));                       \
                lo[chunk] = _mm512_and_si512(raw, low);                                                            \
                hi[chunk] = HIGH(raw, low);                                                                        \
            }                                                                                                      \
            __m512 ws = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(sp + 16 * b)));                       \
            for (int r = 0; r < MR; r++) {                                                                         \
                const int8_t *row = acts + r * stride;                                                             \
                __m512i dot = BLOCK(lo, hi, row + 32 * b, Q4_ACT_COMP(row, kc, blocks)[b]);                        \
                __m512 scale = _mm512_mul_ps(_mm512_set1_ps(Q4_ACT_SCALES(row, kc)[b]), ws);                       \
                total[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, total[r]);                              \
            }                                                                                                      \
        }                                                                                                          \
        for (int r = 0; r < MR; r++) out[r] = total[r];                                                            \
    }

Q4_PANEL_TILE_512(q4_panel_tile_vnni, GPT2K_VNNI, q4_block_vnni, Q4_HIGH_TIMES_16)
Q4_PANEL_TILE_512(q4_panel_tile_avx512, GPT2K_AVX512, q4_block_avx512, Q4_HIGH)

#define Q4_PANEL_512(NAME, ATTR, TILE)                                                                             \
    ATTR static void NAME(const int8_t *acts, long m, long k, const uint8_t *wp, const uint16_t *sp,              \
                          const float *bias, float *c, long ldc, long j, int first, int last, int accumulate) {    \
        long stride = gpt2k_q4_row_bytes(k);                                                                       \
        __mmask16 columns = (__mmask16)(((1u << last) - 1) & ~((1u << first) - 1));                                \
        __m512 b = bias ? _mm512_maskz_loadu_ps(columns, bias + j) : _mm512_setzero_ps();                          \
        for (long i = 0; i < m; i += 4) {                                                                          \
            int rows = m - i < 4 ? (int)(m - i) : 4;                                                               \
            __m512 out[4];                                                                                         \
            const int8_t *tile = acts + i * stride;                                                                \
            switch (rows) {                                                                                        \
            case 1: TILE(1, tile, stride, k, wp, sp, out); break;                                                  \
            case 2: TILE(2, tile, stride, k, wp, sp, out); break;                                                  \
            case 3: TILE(3, tile, stride, k, wp, sp, out); break;                                                  \
            default: TILE(4, tile, stride, k, wp, sp, out); break;                                                 \
            }                                                                                                      \
            for (int r = 0; r < rows; r++) {                                                                       \
                float *target = c + (i + r) * ldc + j;                                                             \
                __m512 v = out[r];                                                                                 \
                if (bias) v = _mm512_add_ps(v, b);                                                                 \
                if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(columns, target));                      \
                _mm512_mask_storeu_ps(target, columns, v);                                                         \
            }                                                                                                      \
        }                                                                                                          \
    }

Q4_PANEL_512(q4_panel_vnni, GPT2K_VNNI, q4_panel_tile_vnni)
Q4_PANEL_512(q4_panel_avx512, GPT2K_AVX512, q4_panel_tile_avx512)

// MARK: AVX2

/// Rows i..i+MR-1 (MR <= 2) against one panel, both halves (outputs 0..7 and 8..15) in one pass
/// over its memory, as q4_block_avx512: out[r][h] holds row r's 8 totals of half h. (Walking the
/// panel once per half left the second pass, served from cache, not overlapping any DRAM
/// traffic: measured half the decode rate on Zen 1.)
GPT2K_INLINE GPT2K_AVX2 void q4_panel_tile_avx2(const int MR, const int8_t *acts, long stride, long k,
                                                const uint8_t *wp, const uint16_t *sp, __m256 out[2][2]) {
    long blocks = k / 32, kc = gpt2k_q4_codes_bytes(k);
    const __m256i low = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 total[2][2];
    for (int r = 0; r < MR; r++) total[r][0] = total[r][1] = _mm256_setzero_ps();
    for (long b = 0; b < blocks; b++) {
        __m256i pairs[2][2];
        for (int r = 0; r < MR; r++) pairs[r][0] = pairs[r][1] = _mm256_setzero_si256();
        for (int chunk = 0; chunk < 4; chunk++) {
            const uint8_t *bytes = wp + 256 * b + 64 * chunk;
            _mm_prefetch((const char *)bytes + GPT2K_AVX2_PANEL_PREFETCH, _MM_HINT_T0);
            __m256i raw[2] = {_mm256_loadu_si256((const __m256i *)bytes), _mm256_loadu_si256((const __m256i *)(bytes + 32))};
            __m256i lo[2], hi[2];
            for (int h = 0; h < 2; h++) {
                lo[h] = _mm256_and_si256(raw[h], low);
                hi[h] = _mm256_and_si256(_mm256_srli_epi16(raw[h], 4), low);
            }
            for (int r = 0; r < MR; r++) {
                const int8_t *x = acts + r * stride + 32 * b + 8 * chunk;
                __m256i x0 = _mm256_set1_epi32(q4_word(x)), x1 = _mm256_set1_epi32(q4_word(x + 4));
                for (int h = 0; h < 2; h++) {
                    pairs[r][h] = _mm256_add_epi16(pairs[r][h], _mm256_maddubs_epi16(lo[h], x0));
                    pairs[r][h] = _mm256_add_epi16(pairs[r][h], _mm256_maddubs_epi16(hi[h], x1));
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            __m256 ws = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(sp + 16 * b + 8 * h)));
            for (int r = 0; r < MR; r++) {
                const int8_t *row = acts + r * stride;
                __m256i dot = _mm256_add_epi32(_mm256_set1_epi32(Q4_ACT_COMP(row, kc, blocks)[b]), _mm256_madd_epi16(pairs[r][h], ones));
                __m256 scale = _mm256_mul_ps(_mm256_set1_ps(Q4_ACT_SCALES(row, kc)[b]), ws);
                total[r][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, total[r][h]);
            }
        }
    }
    for (int r = 0; r < MR; r++) out[r][0] = total[r][0], out[r][1] = total[r][1];
}

GPT2K_AVX2 static void q4_panel_avx2(const int8_t *acts, long m, long k, const uint8_t *wp, const uint16_t *sp,
                                     const float *bias, float *c, long ldc, long j, int first, int last, int accumulate) {
    long stride = gpt2k_q4_row_bytes(k);
    for (long i = 0; i < m; i += 2) {
        int rows = m - i < 2 ? (int)(m - i) : 2;
        __m256 out[2][2];
        if (rows == 1) q4_panel_tile_avx2(1, acts + i * stride, stride, k, wp, sp, out);
        else q4_panel_tile_avx2(2, acts + i * stride, stride, k, wp, sp, out);
        for (int r = 0; r < rows; r++) {
            float lanes[16] __attribute__((aligned(32)));
            _mm256_store_ps(lanes, out[r][0]);
            _mm256_store_ps(lanes + 8, out[r][1]);
            for (int column = first; column < last; column++)
                gpt2k_emit(lanes[column], bias, c + (i + r) * ldc, j + column, accumulate);
        }
    }
}

GPT2K_AVX2 static void q4_rows_avx2(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                                    const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    q4_rows(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate);
}
#endif

static void q4_rows_plain(const int8_t *acts, long m, long k, const uint8_t *w, const uint16_t *w_scales,
                          const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    q4_rows(acts, m, k, w, w_scales, bias, c, ldc, j0, j1, accumulate);
}

typedef void (*q4_panel_fn)(const int8_t *, long, long, const uint8_t *, const uint16_t *, const float *, float *, long,
                            long, int, int, int);
typedef void (*q4_rows_fn)(const int8_t *, long, long, const uint8_t *, const uint16_t *, const float *, float *, long,
                           long, long, int);

void gpt2k_q4_linear(int isa, const void *scratch, long m, long k, long n, int panels, const uint8_t *w,
                     const uint16_t *w_scales, const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    (void)isa;
    if (m <= 0 || j1 <= j0) return;
    const int8_t *acts = (const int8_t *)scratch;
    q4_panel_fn panel = q4_panel_plain;
    q4_rows_fn rows = q4_rows_plain;
#if GPT2K_X86
    switch (isa) {
    case GPT2K_ISA_AVX512_VNNI: panel = q4_panel_vnni; rows = q4_rows_avx2; break;
    case GPT2K_ISA_AVX512: panel = q4_panel_avx512; rows = q4_rows_avx2; break;
    case GPT2K_ISA_AVX2: panel = q4_panel_avx2; rows = q4_rows_avx2; break;
    default: break;
    }
#endif
    // Panels cover the outputs below `whole`; the rest (and every output-major row) are rows.
    long whole = panels ? n - n % 16 : 0, blocks = k / 32;
    for (long p = j0 - j0 % 16; p < (j1 < whole ? j1 : whole); p += 16) {
        int first = j0 > p ? (int)(j0 - p) : 0, last = j1 < p + 16 ? (int)(j1 - p) : 16;
        panel(acts, m, k, w + p * (k / 2), w_scales + p * blocks, bias, c, ldc, p, first, last, accumulate);
    }
    long start = j0 > whole ? j0 : whole;
    if (start < j1) rows(acts, m, k, w, w_scales, bias, c, ldc, start, j1, accumulate);
}
