// The body of the fp16 / bf16 kernels of half_linear.c, written once for every vector width:
// half_linear.c includes it once per level after simd_level.h (hence no include guard), and
// each inclusion defines that level's half_linear_<level> and widen_<level>.
#if GPT2K_X86

/// One VW-wide step of a dot tile at depth p over n (<= VW) elements; a constant n == VW
/// compiles to plain loads.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(half_dot_step)(const int MR, const int bf16, VF acc[4][4], const float *a,
                                                      long lda, const uint16_t *const w[4], long p, long n) {
    VF wv[4];
    for (int q = 0; q < 4; q++)
        wv[q] = n == GPT2K_VW ? GPT2K_L(half_load)(bf16, w[q] + p) : GPT2K_L(half_load_part)(bf16, w[q] + p, n);
    for (int r = 0; r < MR; r++) {
        VF x = n == GPT2K_VW ? VF_LOAD(a + r * lda + p) : GPT2K_L(vf_load_part)(a + r * lda + p, n);
        for (int q = 0; q < 4; q++) acc[r][q] = VF_FMA(x, wv[q], acc[r][q]);
    }
}

/// [n, k] weights: rows 0..MR-1 of a against weight rows w[0..3]; dots[r] gets row r's four.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(half_dot_tile)(const int MR, const int bf16, const float *a, long lda, long k,
                                                      const uint16_t *const w[4], __m128 dots[4]) {
    VF acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = VF_ZERO();
    if (MR == 1) {
        // One weight row after the other (the four are contiguous: one ascending stream), four
        // accumulators each and, where the level prefetches, a prefetch ahead, so one
        // stream's decode reads at memory speed.
        for (int q = 0; q < 4; q++) {
            const uint16_t *row = w[q];
            VF s1 = VF_ZERO(), s2 = s1, s3 = s1;
            long p = 0;
            for (; p + 4 * GPT2K_VW <= k; p += 4 * GPT2K_VW) {
                if (GPT2K_L_PANEL_PREFETCH)
                    for (int line = 0; line < 4 * GPT2K_VW * 2 / 64; line++)
                        GPT2K_PREFETCH((const char *)(row + p) + GPT2K_L_PANEL_PREFETCH + 64 * line);
                acc[0][q] = VF_FMA(VF_LOAD(a + p), GPT2K_L(half_load)(bf16, row + p), acc[0][q]);
                s1 = VF_FMA(VF_LOAD(a + p + GPT2K_VW), GPT2K_L(half_load)(bf16, row + p + GPT2K_VW), s1);
                s2 = VF_FMA(VF_LOAD(a + p + 2 * GPT2K_VW), GPT2K_L(half_load)(bf16, row + p + 2 * GPT2K_VW), s2);
                s3 = VF_FMA(VF_LOAD(a + p + 3 * GPT2K_VW), GPT2K_L(half_load)(bf16, row + p + 3 * GPT2K_VW), s3);
            }
            for (; p + GPT2K_VW <= k; p += GPT2K_VW)
                acc[0][q] = VF_FMA(VF_LOAD(a + p), GPT2K_L(half_load)(bf16, row + p), acc[0][q]);
            if (p < k)
                acc[0][q] = VF_FMA(GPT2K_L(vf_load_part)(a + p, k - p), GPT2K_L(half_load_part)(bf16, row + p, k - p),
                                   acc[0][q]);
            acc[0][q] = VF_ADD(VF_ADD(acc[0][q], s1), VF_ADD(s2, s3));
        }
    } else {
        long p = 0;
        for (; p + GPT2K_VW <= k; p += GPT2K_VW) GPT2K_L(half_dot_step)(MR, bf16, acc, a, lda, w, p, GPT2K_VW);
        if (p < k) GPT2K_L(half_dot_step)(MR, bf16, acc, a, lda, w, p, k - p);
    }
    for (int r = 0; r < MR; r++) dots[r] = GPT2K_L(vf_sum4)(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
}

GPT2K_INLINE GPT2K_TARGET void GPT2K_L(half_output_major)(const int bf16, const float *a, long lda,
                                                          const uint16_t *w, long m, long k, const float *bias,
                                                          float *c, long ldc, long j0, long j1, int accumulate) {
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const uint16_t *w0 = w + j * k;
        const uint16_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0,
                                          cols > 3 ? w0 + 3 * k : w0};
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            __m128 dots[4];
            switch (rows) {
            case 1: GPT2K_L(half_dot_tile)(1, bf16, x, lda, k, rows4, dots); break;
            case 2: GPT2K_L(half_dot_tile)(2, bf16, x, lda, k, rows4, dots); break;
            case 3: GPT2K_L(half_dot_tile)(3, bf16, x, lda, k, rows4, dots); break;
            default: GPT2K_L(half_dot_tile)(4, bf16, x, lda, k, rows4, dots); break;
            }
            for (int r = 0; r < rows; r++) {
                float lanes[4];
                _mm_storeu_ps(lanes, dots[r]);
                for (int q = 0; q < cols; q++) gpt2k_emit(lanes[q], bias, c + (i + r) * ldc, j + q, accumulate);
            }
        }
    }
}

/// [k, n] weights: rows 0..MR-1 of a times the `width` (<= 4 VW) columns at w, as 4 vectors
/// of columns; a constant width == 4 VW compiles to plain loads and stores.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(half_axpy_tile)(const int MR, const int bf16, const float *a, long lda,
                                                       const uint16_t *w, long n, long k, long width,
                                                       const float *bias, float *c, long ldc, int accumulate) {
    VF acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = VF_ZERO();
    long cols[4];
    for (int q = 0; q < 4; q++) {
        long left = width - GPT2K_VW * q;
        cols[q] = left >= GPT2K_VW ? GPT2K_VW : (left > 0 ? left : 0);
    }
    for (long p = 0; p < k; p++) {
        const uint16_t *row = w + p * n;
        VF wv[4];
        for (int q = 0; q < 4; q++) {
            if (cols[q] == GPT2K_VW) wv[q] = GPT2K_L(half_load)(bf16, row + GPT2K_VW * q);
            else wv[q] = cols[q] ? GPT2K_L(half_load_part)(bf16, row + GPT2K_VW * q, cols[q]) : VF_ZERO();
        }
        for (int r = 0; r < MR; r++) {
            VF x = VF_SET1(a[r * lda + p]);
            for (int q = 0; q < 4; q++) acc[r][q] = VF_FMA(x, wv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int q = 0; q < 4; q++) {
            VF v = acc[r][q];
            float *target = c + r * ldc + GPT2K_VW * q;
            if (cols[q] == GPT2K_VW) {
                if (bias) v = VF_ADD(v, VF_LOAD(bias + GPT2K_VW * q));
                if (accumulate) v = VF_ADD(v, VF_LOAD(target));
                VF_STORE(target, v);
            } else if (cols[q]) {
                if (bias) v = VF_ADD(v, GPT2K_L(vf_load_part)(bias + GPT2K_VW * q, cols[q]));
                if (accumulate) v = VF_ADD(v, GPT2K_L(vf_load_part)(target, cols[q]));
                GPT2K_L(vf_store_part)(target, v, cols[q]);
            }
        }
    }
}

GPT2K_INLINE GPT2K_TARGET void GPT2K_L(half_input_major)(const int bf16, const float *a, long lda,
                                                         const uint16_t *w, long m, long n, long k,
                                                         const float *bias, float *c, long ldc, long j0, long j1,
                                                         int accumulate) {
    const long tile = 4 * GPT2K_VW;
    for (long j = j0; j < j1; j += tile) {
        long width = j1 - j < tile ? j1 - j : tile;
        const float *b = bias ? bias + j : NULL;
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const float *x = a + i * lda;
            float *target = c + i * ldc + j;
#define HALF_AXPY_CASE(R)                                                                                          \
            case R:                                                                                                \
                if (width == tile) GPT2K_L(half_axpy_tile)(R, bf16, x, lda, w + j, n, k, tile, b, target, ldc,     \
                                                           accumulate);                                            \
                else GPT2K_L(half_axpy_tile)(R, bf16, x, lda, w + j, n, k, width, b, target, ldc, accumulate);     \
                break;
            switch (rows) { HALF_AXPY_CASE(1) HALF_AXPY_CASE(2) HALF_AXPY_CASE(3) default: HALF_AXPY_CASE(4) }
#undef HALF_AXPY_CASE
        }
    }
}

GPT2K_TARGET static void GPT2K_L(half_linear)(int bf16, int output_major, const float *a, long lda,
                                              const uint16_t *w, long m, long n, long k, const float *bias,
                                              float *c, long ldc, long j0, long j1, int accumulate) {
    if (output_major) {
        if (bf16) GPT2K_L(half_output_major)(1, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
        else GPT2K_L(half_output_major)(0, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
    } else {
        if (bf16) GPT2K_L(half_input_major)(1, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        else GPT2K_L(half_input_major)(0, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
    }
}

GPT2K_TARGET static void GPT2K_L(widen)(int bf16, const uint16_t *source, float *destination, long count) {
    long i = 0;
    for (; i + GPT2K_VW <= count; i += GPT2K_VW) VF_STORE(destination + i, GPT2K_L(half_load)(bf16, source + i));
    if (i < count) GPT2K_L(vf_store_part)(destination + i, GPT2K_L(half_load_part)(bf16, source + i, count - i), count - i);
}

#endif
