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
// The panel kernels, one body (q4_kernels.h) compiled per level.
#define GPT2K_BODY "q4_kernels.h"
#define GPT2K_BODY_VNNI 1
#include "each_level.h"

/// The output-major rows, the plain loops compiled for AVX2 (every x86 level runs this one).
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
