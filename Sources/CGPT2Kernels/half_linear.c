// fp16 / bf16 weights times fp32 activations: each weight is widened to fp32 in registers and
// multiplied with FMA; accumulation in fp32. Weight blocks are the outer loop (read from memory
// once per call), blocks of up to 4 activation rows the inner one.
#include "half_common.h"

// MARK: portable

static void half_output_major_portable(int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                                       const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j++) {
        const uint16_t *row = w + j * k;
        for (long i = 0; i < m; i++) {
            const float *x = a + i * lda;
            float sum = 0;
            for (long p = 0; p < k; p++) sum += x[p] * gpt2k_widen(row[p], bf16);
            gpt2k_emit(sum, bias, c + i * ldc, j, accumulate);
        }
    }
}

static void half_input_major_portable(int bf16, const float *a, long lda, const uint16_t *w, long m, long n, long k,
                                      const float *bias, float *c, long ldc, long j0, long j1, int accumulate) {
    for (long jb = j0; jb < j1; jb += 64) {
        long width = j1 - jb < 64 ? j1 - jb : 64;
        for (long i = 0; i < m; i++) {
            const float *x = a + i * lda;
            float sum[64] = {0};
            for (long p = 0; p < k; p++) {
                const uint16_t *row = w + p * n + jb;
                for (long t = 0; t < width; t++) sum[t] += x[p] * gpt2k_widen(row[t], bf16);
            }
            for (long t = 0; t < width; t++) gpt2k_emit(sum[t], bias, c + i * ldc, jb + t, accumulate);
        }
    }
}

static void widen_portable(int bf16, const uint16_t *source, float *destination, long count) {
    for (long i = 0; i < count; i++) destination[i] = gpt2k_widen(source[i], bf16);
}

#if GPT2K_X86

// MARK: AVX-512

/// Sums within 128-bit lanes: lane L of the result is [sum a, sum b, sum c, sum d] over lane L.
GPT2K_INLINE GPT2K_AVX512 __m512 half_reduce4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
    __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    __m512d lo = _mm512_unpacklo_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd));
    __m512d hi = _mm512_unpackhi_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd));
    return _mm512_add_ps(_mm512_castpd_ps(lo), _mm512_castpd_ps(hi));
}

/// Adds the four 128-bit lanes of each input: the result holds [g0 | g1 | g2 | g3] totals.
GPT2K_INLINE GPT2K_AVX512 __m512 half_combine4_512(__m512 g0, __m512 g1, __m512 g2, __m512 g3) {
    __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(g0, g1, 0x44), _mm512_shuffle_f32x4(g0, g1, 0xEE));
    __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(g2, g3, 0x44), _mm512_shuffle_f32x4(g2, g3, 0xEE));
    return _mm512_add_ps(_mm512_shuffle_f32x4(s01, s23, 0x88), _mm512_shuffle_f32x4(s01, s23, 0xDD));
}

/// One 16-wide step of a dot tile; a constant all-ones `mask` compiles to plain loads.
GPT2K_INLINE GPT2K_AVX512 void half_dot_step_512(const int MR, const int bf16, __m512 acc[4][4], const float *a, long lda,
                                                 const uint16_t *const w[4], long p, __mmask16 mask) {
    __m512 wv[4];
    for (int q = 0; q < 4; q++) wv[q] = half_load16_512(bf16, w[q] + p, mask);
    for (int r = 0; r < MR; r++) {
        __m512 x = _mm512_maskz_loadu_ps(mask, a + r * lda + p);
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_fmadd_ps(x, wv[q], acc[r][q]);
    }
}

/// [n, k] weights: rows i..i+MR-1 of a against weight rows w[0..3]; row r's four dot products
/// land in lanes 4r..4r+3 of the result.
GPT2K_INLINE GPT2K_AVX512 __m512 half_dot_tile_512(const int MR, const int bf16, const float *a, long lda, long k,
                                                   const uint16_t *const w[4]) {
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_ps();
    if (MR == 1) {
        // Row-sequential: one long ascending stream for the prefetchers (see int8_linear.c).
        for (int q = 0; q < 4; q++) {
            long p = 0;
            for (; p + 16 <= k; p += 16)
                acc[0][q] = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), half_load16_512(bf16, w[q] + p, 0xFFFF), acc[0][q]);
            if (p < k) {
                __mmask16 mask = half_mask16(k - p);
                acc[0][q] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + p), half_load16_512(bf16, w[q] + p, mask), acc[0][q]);
            }
        }
    } else {
        long p = 0;
        for (; p + 16 <= k; p += 16) half_dot_step_512(MR, bf16, acc, a, lda, w, p, 0xFFFF);
        if (p < k) half_dot_step_512(MR, bf16, acc, a, lda, w, p, half_mask16(k - p));
    }
    __m512 g[4];
    for (int r = 0; r < 4; r++) g[r] = half_reduce4_512(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    return half_combine4_512(g[0], g[1], g[2], g[3]);
}

GPT2K_INLINE GPT2K_AVX512 void half_output_major_512(const int bf16, const float *a, long lda, const uint16_t *w,
                                                     long m, long k, const float *bias, float *c, long ldc, long j0,
                                                     long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const uint16_t *w0 = w + j * k;
        const uint16_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0, cols > 3 ? w0 + 3 * k : w0};
        __mmask8 colMask = (__mmask8)((1u << cols) - 1);
        __m128 b = bias ? _mm_maskz_loadu_ps(colMask, bias + j) : _mm_setzero_ps();
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            __m512 dots;
            switch (rows) {
            case 1: dots = half_dot_tile_512(1, bf16, x, lda, k, rows4); break;
            case 2: dots = half_dot_tile_512(2, bf16, x, lda, k, rows4); break;
            case 3: dots = half_dot_tile_512(3, bf16, x, lda, k, rows4); break;
            default: dots = half_dot_tile_512(4, bf16, x, lda, k, rows4); break;
            }
            float lanes[16] __attribute__((aligned(64)));
            _mm512_store_ps(lanes, dots);
            for (int r = 0; r < rows; r++) {
                __m128 v = _mm_load_ps(lanes + 4 * r);
                float *target = c + (i + r) * ldc + j;
                if (bias) v = _mm_add_ps(v, b);
                if (accumulate) v = _mm_add_ps(v, _mm_maskz_loadu_ps(colMask, target));
                _mm_mask_storeu_ps(target, colMask, v);
            }
        }
    }
}

/// [k, n] weights: rows i..i+MR-1 of a times columns j..j+63 (`width` of them valid).
GPT2K_INLINE GPT2K_AVX512 void half_axpy_tile_512(const int MR, const int bf16, const float *a, long lda,
                                                  const uint16_t *w, long n, long k, long width, const float *bias,
                                                  float *c, long ldc, int accumulate) {
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_ps();
    __mmask16 masks[4];
    // A full tile gets constant masks, so its loads compile to plain ones.
    for (int q = 0; q < 4; q++) masks[q] = width == 64 ? (__mmask16)0xFFFF : half_mask16(width - 16 * q);
    for (long p = 0; p < k; p++) {
        const uint16_t *row = w + p * n;
        __m512 wv[4];
        for (int q = 0; q < 4; q++) wv[q] = half_load16_512(bf16, row + 16 * q, masks[q]);
        for (int r = 0; r < MR; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + p]);
            for (int q = 0; q < 4; q++) acc[r][q] = _mm512_fmadd_ps(x, wv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int q = 0; q < 4; q++) {
            if (!masks[q]) continue;
            __m512 v = acc[r][q];
            float *target = c + r * ldc + 16 * q;
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[q], bias + 16 * q));
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[q], target));
            _mm512_mask_storeu_ps(target, masks[q], v);
        }
    }
}

GPT2K_INLINE GPT2K_AVX512 void half_input_major_512(const int bf16, const float *a, long lda, const uint16_t *w,
                                                    long m, long n, long k, const float *bias, float *c, long ldc,
                                                    long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 64) {
        long width = j1 - j < 64 ? j1 - j : 64;
        const float *b = bias ? bias + j : NULL;
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j;
#define HALF_AXPY_CASE(R)                                                                                          \
            case R:                                                                                                \
                if (width == 64) half_axpy_tile_512(R, bf16, x, lda, w + j, n, k, 64, b, target, ldc, accumulate); \
                else half_axpy_tile_512(R, bf16, x, lda, w + j, n, k, width, b, target, ldc, accumulate);         \
                break;
            switch (rows) { HALF_AXPY_CASE(1) HALF_AXPY_CASE(2) HALF_AXPY_CASE(3) default: HALF_AXPY_CASE(4) }
#undef HALF_AXPY_CASE
        }
    }
}

GPT2K_AVX512 static void half_linear_512(int bf16, int output_major, const float *a, long lda, const uint16_t *w,
                                         long m, long n, long k, const float *bias, float *c, long ldc, long j0,
                                         long j1, int accumulate) {
    if (output_major) {
        if (bf16) half_output_major_512(1, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
        else half_output_major_512(0, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
    } else {
        if (bf16) half_input_major_512(1, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        else half_input_major_512(0, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
    }
}

GPT2K_AVX512 static void widen_512(int bf16, const uint16_t *source, float *destination, long count) {
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = half_mask16(count - i);
        _mm512_mask_storeu_ps(destination + i, mask, half_load16_512(bf16, source + i, mask));
    }
}

// MARK: AVX2

GPT2K_INLINE GPT2K_AVX2 void half_dot_tile_256(const int MR, const int bf16, const float *a, long lda, long k,
                                               const uint16_t *const w[4], __m128 dots[4]) {
    __m256 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm256_setzero_ps();
    long p = 0;
    if (MR == 1) {
        // One row after the other (the four are contiguous: one ascending stream), four
        // accumulators each and a prefetch ahead, so one stream's decode reads at memory speed.
        for (int q = 0; q < 4; q++) {
            const uint16_t *row = w[q];
            __m256 s1 = _mm256_setzero_ps(), s2 = s1, s3 = s1;
            for (p = 0; p + 32 <= k; p += 32) {
                _mm_prefetch((const char *)(row + p) + GPT2K_AVX2_PANEL_PREFETCH, _MM_HINT_T0);
                acc[0][q] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), half_load8_256(bf16, row + p), acc[0][q]);
                s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 8), half_load8_256(bf16, row + p + 8), s1);
                s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 16), half_load8_256(bf16, row + p + 16), s2);
                s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 24), half_load8_256(bf16, row + p + 24), s3);
            }
            for (; p + 8 <= k; p += 8)
                acc[0][q] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), half_load8_256(bf16, row + p), acc[0][q]);
            acc[0][q] = _mm256_add_ps(_mm256_add_ps(acc[0][q], s1), _mm256_add_ps(s2, s3));
        }
    } else
    for (; p + 8 <= k; p += 8) {
        __m256 wv[4];
        for (int q = 0; q < 4; q++) wv[q] = half_load8_256(bf16, w[q] + p);
        for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_loadu_ps(a + r * lda + p);
            for (int q = 0; q < 4; q++) acc[r][q] = _mm256_fmadd_ps(x, wv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < MR; r++) {
        float tail[4] = {0, 0, 0, 0};
        for (long t = p; t < k; t++)
            for (int q = 0; q < 4; q++) tail[q] += a[r * lda + t] * gpt2k_widen(w[q][t], bf16);
        dots[r] = _mm_add_ps(gpt2k_reduce4_256(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), _mm_loadu_ps(tail));
    }
}

GPT2K_INLINE GPT2K_AVX2 void half_output_major_256(const int bf16, const float *a, long lda, const uint16_t *w,
                                                   long m, long k, const float *bias, float *c, long ldc, long j0,
                                                   long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const uint16_t *w0 = w + j * k;
        const uint16_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0, cols > 3 ? w0 + 3 * k : w0};
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            __m128 dots[4];
            switch (rows) {
            case 1: half_dot_tile_256(1, bf16, x, lda, k, rows4, dots); break;
            case 2: half_dot_tile_256(2, bf16, x, lda, k, rows4, dots); break;
            case 3: half_dot_tile_256(3, bf16, x, lda, k, rows4, dots); break;
            default: half_dot_tile_256(4, bf16, x, lda, k, rows4, dots); break;
            }
            for (int r = 0; r < rows; r++) {
                float lanes[4];
                _mm_storeu_ps(lanes, dots[r]);
                for (int q = 0; q < cols; q++) gpt2k_emit(lanes[q], bias, c + (i + r) * ldc, j + q, accumulate);
            }
        }
    }
}

/// [k, n] weights: rows i..i+MR-1 of a times columns j..j+31 (all valid).
GPT2K_INLINE GPT2K_AVX2 void half_axpy_tile_256(const int MR, const int bf16, const float *a, long lda,
                                                const uint16_t *w, long n, long k, const float *bias, float *c,
                                                long ldc, int accumulate) {
    __m256 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm256_setzero_ps();
    for (long p = 0; p < k; p++) {
        const uint16_t *row = w + p * n;
        __m256 wv[4];
        for (int q = 0; q < 4; q++) wv[q] = half_load8_256(bf16, row + 8 * q);
        for (int r = 0; r < MR; r++) {
            __m256 x = _mm256_set1_ps(a[r * lda + p]);
            for (int q = 0; q < 4; q++) acc[r][q] = _mm256_fmadd_ps(x, wv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int q = 0; q < 4; q++) {
            __m256 v = acc[r][q];
            float *target = c + r * ldc + 8 * q;
            if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + 8 * q));
            if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(target));
            _mm256_storeu_ps(target, v);
        }
    }
}

GPT2K_INLINE GPT2K_AVX2 void half_input_major_256(const int bf16, const float *a, long lda, const uint16_t *w,
                                                  long m, long n, long k, const float *bias, float *c, long ldc,
                                                  long j0, long j1, int accumulate) {
    long j = j0;
    for (; j + 32 <= j1; j += 32) {
        const float *b = bias ? bias + j : NULL;
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j;
            switch (rows) {
            case 1: half_axpy_tile_256(1, bf16, x, lda, w + j, n, k, b, target, ldc, accumulate); break;
            case 2: half_axpy_tile_256(2, bf16, x, lda, w + j, n, k, b, target, ldc, accumulate); break;
            case 3: half_axpy_tile_256(3, bf16, x, lda, w + j, n, k, b, target, ldc, accumulate); break;
            default: half_axpy_tile_256(4, bf16, x, lda, w + j, n, k, b, target, ldc, accumulate); break;
            }
        }
    }
    if (j < j1) half_input_major_portable(bf16, a, lda, w, m, n, k, bias, c, ldc, j, j1, accumulate);
}

GPT2K_AVX2 static void half_linear_256(int bf16, int output_major, const float *a, long lda, const uint16_t *w,
                                       long m, long n, long k, const float *bias, float *c, long ldc, long j0,
                                       long j1, int accumulate) {
    if (output_major) {
        if (bf16) half_output_major_256(1, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
        else half_output_major_256(0, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
    } else {
        if (bf16) half_input_major_256(1, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        else half_input_major_256(0, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
    }
}

GPT2K_AVX2 static void widen_256(int bf16, const uint16_t *source, float *destination, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(destination + i, half_load8_256(bf16, source + i));
    widen_portable(bf16, source + i, destination + i, count - i);
}
#endif

void gpt2k_half_linear(int isa, int bf16, int output_major, const float *a, long lda, const uint16_t *w,
                       long m, long n, long k, const float *bias, float *c, long ldc, long j0, long j1,
                       int accumulate) {
    (void)isa;
    if (m <= 0 || j1 <= j0) return;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        half_linear_512(bf16, output_major, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        return;
    }
    if (isa == GPT2K_ISA_AVX2) {
        half_linear_256(bf16, output_major, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        return;
    }
#endif
    if (output_major) half_output_major_portable(bf16, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
    else half_input_major_portable(bf16, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
}

void gpt2k_widen_half(int isa, int bf16, const uint16_t *source, float *destination, long count) {
    (void)isa;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) { widen_512(bf16, source, destination, count); return; }
    if (isa == GPT2K_ISA_AVX2) { widen_256(bf16, source, destination, count); return; }
#endif
    widen_portable(bf16, source, destination, count);
}

