// int8 x u8 for many activation rows (prompts, large batches) with VNNI: the weight rows of a
// 32-column panel are transposed once per call into vpdpbusd's broadcast layout (4 consecutive
// k of 16 columns per vector), so the micro-kernel keeps 12 x 32 outputs in registers, needs no
// horizontal sums, and reads each activation dword once per panel. Same integers and the same
// fp32 epilogue as int8_linear.c, so results are bit-identical to the other paths.
#include "common.h"

#if GPT2K_X86

enum { PANEL_COLUMNS = 32, GEMM_ROWS = 12 };

size_t gpt2k_int8_panel_bytes(int isa, long m, long k) {
    if (isa != GPT2K_ISA_AVX512_VNNI || m < GPT2K_INT8_GEMM_MIN_ROWS) return 0;
    return (size_t)(gpt2k_round_up(k > 0 ? k : 1, 64) * PANEL_COLUMNS);
}

/// Transposes 16 rows x 64 bytes (16 dwords each) so out[d] holds dword d of every row.
GPT2K_INLINE GPT2K_AVX512 void gemm_transpose16(__m512i r[16], __m512i out[16]) {
    __m512i b[4][4];
    for (int q = 0; q < 4; q++) {
        __m512i a0 = _mm512_unpacklo_epi32(r[4 * q], r[4 * q + 1]), a1 = _mm512_unpackhi_epi32(r[4 * q], r[4 * q + 1]);
        __m512i a2 = _mm512_unpacklo_epi32(r[4 * q + 2], r[4 * q + 3]), a3 = _mm512_unpackhi_epi32(r[4 * q + 2], r[4 * q + 3]);
        b[q][0] = _mm512_unpacklo_epi64(a0, a2);
        b[q][1] = _mm512_unpackhi_epi64(a0, a2);
        b[q][2] = _mm512_unpacklo_epi64(a1, a3);
        b[q][3] = _mm512_unpackhi_epi64(a1, a3);
    }
    for (int e = 0; e < 4; e++) {
        __m512i c0 = _mm512_shuffle_i32x4(b[0][e], b[1][e], 0x44), c1 = _mm512_shuffle_i32x4(b[0][e], b[1][e], 0xEE);
        __m512i c2 = _mm512_shuffle_i32x4(b[2][e], b[3][e], 0x44), c3 = _mm512_shuffle_i32x4(b[2][e], b[3][e], 0xEE);
        out[e] = _mm512_shuffle_i32x4(c0, c2, 0x88);
        out[4 + e] = _mm512_shuffle_i32x4(c0, c2, 0xDD);
        out[8 + e] = _mm512_shuffle_i32x4(c1, c3, 0x88);
        out[12 + e] = _mm512_shuffle_i32x4(c1, c3, 0xDD);
    }
}

/// Packs weight rows j..j+cols-1 (the rest zero) into panel[s][32][4] (s < k / 4 rounded up)
/// and returns their row sums in sums[0..1] (16 columns each).
GPT2K_INLINE GPT2K_VNNI void gemm_pack(const int8_t *w, long k, long j, long cols, int8_t *panel, __m512i sums[2]) {
    const __m512i ones = _mm512_set1_epi8(1);
    sums[0] = sums[1] = _mm512_setzero_si512();
    for (long p = 0; p < k; p += 64) {
        __mmask64 mask = k - p >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (k - p)) - 1);
        for (int g = 0; g < 2; g++) {
            __m512i rows[16], out[16];
            for (int r = 0; r < 16; r++) {
                long row = 16 * g + r;
                rows[r] = row < cols ? _mm512_maskz_loadu_epi8(mask, w + (j + row) * k + p) : _mm512_setzero_si512();
            }
            gemm_transpose16(rows, out);
            for (int d = 0; d < 16; d++) {
                sums[g] = _mm512_dpbusd_epi32(sums[g], ones, out[d]);
                _mm512_store_si512((void *)(panel + (p / 4 + d) * 128 + 64 * g), out[d]);
            }
        }
    }
}

/// Rows i..i+MR-1 against the packed panel: 2 x MR accumulators of 16 columns.
/// `next`, when not NULL, is the weight memory of the next panel (32 k bytes): two lines of it
/// are prefetched per step, so packing it later does not wait on 16 strided streams.
GPT2K_INLINE GPT2K_VNNI void gemm_tile(const int MR, gpt2k_int8_acts acts, long i, long k, const int8_t *panel,
                                       __m512i sums[2], const float *w_scales, const float *bias, float *c, long ldc,
                                       long j, long cols, int accumulate, const int8_t *next) {
    __m512i acc[GEMM_ROWS][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    const uint8_t *a = acts.codes + i * acts.ldq;
    long steps = (k + 3) / 4;
    for (long s = 0; s < steps; s++) {
        if (next) {
            _mm_prefetch((const char *)(next + 128 * s), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 128 * s + 64), _MM_HINT_T0);
        }
        __m512i w0 = _mm512_load_si512((const void *)(panel + 128 * s));
        __m512i w1 = _mm512_load_si512((const void *)(panel + 128 * s + 64));
        for (int r = 0; r < MR; r++) {
            int32_t four;
            memcpy(&four, a + r * acts.ldq + 4 * s, 4);
            __m512i b = _mm512_set1_epi32(four);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b, w0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b, w1);
        }
    }
    for (int g = 0; g < 2; g++) {
        long first = 16 * g;
        if (first >= cols) break;
        __mmask16 mask = cols - first >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - first)) - 1);
        __m512 ws = _mm512_maskz_loadu_ps(mask, w_scales + j + first);
        __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias + j + first) : _mm512_setzero_ps();
        for (int r = 0; r < MR; r++) {
            __m512i d = _mm512_sub_epi32(acc[r][g], _mm512_mullo_epi32(_mm512_set1_epi32(acts.zeros[i + r]), sums[g]));
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(_mm512_set1_ps(acts.scales[i + r]), ws));
            float *target = c + (i + r) * ldc + j + first;
            if (bias) v = _mm512_add_ps(v, b);
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, target));
            _mm512_mask_storeu_ps(target, mask, v);
        }
    }
}

GPT2K_VNNI void gpt2k_int8_gemm_vnni(gpt2k_int8_acts acts, long m, long k, const int8_t *w, const float *w_scales,
                                     const float *bias, float *c, long ldc, long j0, long j1, int accumulate,
                                     void *panel) {
    int8_t *packed = (int8_t *)panel;
    for (long j = j0; j < j1; j += PANEL_COLUMNS) {
        long cols = j1 - j < PANEL_COLUMNS ? j1 - j : PANEL_COLUMNS;
        __m512i sums[2];
        gemm_pack(w, k, j, cols, packed, sums);
        const int8_t *next = j + PANEL_COLUMNS < j1 ? w + (j + PANEL_COLUMNS) * k : NULL;
        long i = 0;
        for (; i + GEMM_ROWS <= m; i += GEMM_ROWS) {
            gemm_tile(GEMM_ROWS, acts, i, k, packed, sums, w_scales, bias, c, ldc, j, cols, accumulate, next);
            next = NULL;
        }
        switch (m - i) {
#define GEMM_CASE(R) case R: gemm_tile(R, acts, i, k, packed, sums, w_scales, bias, c, ldc, j, cols, accumulate, next); break;
            GEMM_CASE(1) GEMM_CASE(2) GEMM_CASE(3) GEMM_CASE(4) GEMM_CASE(5) GEMM_CASE(6)
            GEMM_CASE(7) GEMM_CASE(8) GEMM_CASE(9) GEMM_CASE(10) GEMM_CASE(11)
#undef GEMM_CASE
        default: break;
        }
    }
}

#else
size_t gpt2k_int8_panel_bytes(int isa, long m, long k) {
    (void)isa, (void)m, (void)k;
    return 0;
}
#endif
