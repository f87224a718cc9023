// The body of the int8 [n, k] kernels of int8_linear.c, written once for every vector width
// and product: int8_linear.c includes it once per level after simd_level.h (hence no include
// guard), and each inclusion defines int8_linear_<level>. The level's leaves decide the
// product: vpmaddwd on int16 (code - zero) below VNNI, vpdpbusd on u8 codes with VNNI, whose
// zero point comes off through the weight rows' sums (GPT2K_L_INT8_ROWSUMS).
//
// Memory order matters more than instruction count when one activation row meets the weights:
// the hardware prefetchers follow one long ascending stream, not four interleaved ones
// (measured: twice the throughput from DRAM). So single-row tiles walk each weight row to its
// end before the next (row-sequential), and multi-row tiles read a block that an earlier
// row-sequential pass (the row sums, with VNNI) has brought into L1, or that they prefetch.
#if GPT2K_X86

/// One step of a multi-row tile at depth p over n (<= GPT2K_INT8_STEP) elements; a constant
/// full n compiles to plain loads.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(int8_step)(const int MR, VI acc[4][4], const GPT2K_INT8_ACT *a, long ldq,
                                                  const int8_t *const w[4], long p, long n) {
    VI wv[4];
    for (int q = 0; q < 4; q++)
        wv[q] = n == GPT2K_INT8_STEP ? GPT2K_L(int8_weights)(w[q] + p) : GPT2K_L(int8_weights_part)(w[q] + p, n);
    for (int r = 0; r < MR; r++) {
        VI av = VI_LOAD(a + r * ldq + p);
        for (int q = 0; q < 4; q++) acc[r][q] = GPT2K_L(int8_dot)(acc[r][q], av, wv[q]);
    }
}

/// Rows 0..MR-1 of the activations at `a` (row stride ldq, zero padded to it) against weight
/// rows w[0..3]: dots[r] gets row r's four integer sums; with MR == 1 and row sums (VNNI),
/// *rowsums gets the four weight rows' sums as well. Multi-row tiles prefetch `ahead` bytes on
/// where the level does.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(int8_tile)(const int MR, const GPT2K_INT8_ACT *a, long ldq, long k,
                                                  const int8_t *const w[4], long ahead, __m128i dots[4],
                                                  __m128i *rowsums) {
    VI acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = VI_ZERO();
    if (MR == 1) {
        VI sum[4];
        for (int q = 0; q < 4; q++) {
            sum[q] = VI_ZERO();
            long p = 0;
            for (; p + GPT2K_INT8_STEP <= k; p += GPT2K_INT8_STEP) {
                VI wv = GPT2K_L(int8_weights)(w[q] + p);
                acc[0][q] = GPT2K_L(int8_dot)(acc[0][q], VI_LOAD(a + p), wv);
                sum[q] = GPT2K_L(int8_rowsum)(sum[q], wv);
            }
            if (p < k) {
                VI wv = GPT2K_L(int8_weights_part)(w[q] + p, k - p);
                acc[0][q] = GPT2K_L(int8_dot)(acc[0][q], VI_LOAD(a + p), wv);
                sum[q] = GPT2K_L(int8_rowsum)(sum[q], wv);
            }
        }
        if (GPT2K_L_INT8_ROWSUMS) *rowsums = GPT2K_L(vi_sum4)(sum[0], sum[1], sum[2], sum[3]);
    } else {
        long p = 0;
        for (; p + GPT2K_INT8_STEP <= k; p += GPT2K_INT8_STEP) {
            if (GPT2K_L_INT8_PREFETCH && (p & 63) == 0)
                for (int q = 0; q < 4; q++) GPT2K_PREFETCH(w[q] + p + ahead);
            GPT2K_L(int8_step)(MR, acc, a, ldq, w, p, GPT2K_INT8_STEP);
        }
        if (p < k) GPT2K_L(int8_step)(MR, acc, a, ldq, w, p, k - p);
    }
    for (int r = 0; r < MR; r++) dots[r] = GPT2K_L(vi_sum4)(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
}

/// The sums of four weight rows, row-sequential (so this pass streams the block from memory
/// into L1 for the tiles that follow), as [s0, s1, s2, s3]. Used where the level needs them.
GPT2K_INLINE GPT2K_TARGET __m128i GPT2K_L(int8_rowsums)(long k, const int8_t *const w[4]) {
    VI sum[4];
    for (int q = 0; q < 4; q++) {
        sum[q] = VI_ZERO();
        long p = 0;
        for (; p + GPT2K_INT8_STEP <= k; p += GPT2K_INT8_STEP)
            sum[q] = GPT2K_L(int8_rowsum)(sum[q], GPT2K_L(int8_weights)(w[q] + p));
        if (p < k) sum[q] = GPT2K_L(int8_rowsum)(sum[q], GPT2K_L(int8_weights_part)(w[q] + p, k - p));
    }
    return GPT2K_L(vi_sum4)(sum[0], sum[1], sum[2], sum[3]);
}

/// int8_emit for four adjacent outputs at once (the first `cols` are written): the same fp32
/// steps in the same order, (float)dot * (scale_a * scale_w), + bias, + c, so the bits equal
/// the scalar epilogue's.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(int8_emit4)(__m128i dots, float scale_a, const float *w_scales,
                                                   const float *bias, float *c, int cols, int accumulate) {
    if (cols < 4) {
        float ws[4] = {0}, b[4] = {0}, old[4] = {0}, out[4];
        for (int q = 0; q < cols; q++) {
            ws[q] = w_scales[q];
            if (bias) b[q] = bias[q];
            if (accumulate) old[q] = c[q];
        }
        __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(dots), _mm_mul_ps(_mm_set1_ps(scale_a), _mm_loadu_ps(ws)));
        if (bias) v = _mm_add_ps(v, _mm_loadu_ps(b));
        if (accumulate) v = _mm_add_ps(v, _mm_loadu_ps(old));
        _mm_storeu_ps(out, v);
        for (int q = 0; q < cols; q++) c[q] = out[q];
        return;
    }
    __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(dots), _mm_mul_ps(_mm_set1_ps(scale_a), _mm_loadu_ps(w_scales)));
    if (bias) v = _mm_add_ps(v, _mm_loadu_ps(bias));
    if (accumulate) v = _mm_add_ps(v, _mm_loadu_ps(c));
    _mm_storeu_ps(c, v);
}

/// Blocks of 4 weight rows (read from memory once) outside, tiles of up to 4 activation rows
/// inside; each output gets int8_emit of its exact integer sum.
GPT2K_TARGET static void GPT2K_L(int8_linear)(gpt2k_int8_acts acts, long m, long k, const int8_t *w,
                                              const float *w_scales, const float *bias, float *c, long ldc, long j0,
                                              long j1, int accumulate) {
    const long ahead = gpt2k_prefetch_distance(4 * k);
    const GPT2K_INT8_ACT *codes = GPT2K_INT8_ACTS(acts);
    for (long j = j0; j < j1; j += 4) {
        int cols = j1 - j < 4 ? (int)(j1 - j) : 4;
        const int8_t *w0 = w + j * k;
        const int8_t *const rows4[4] = {w0, cols > 1 ? w0 + k : w0, cols > 2 ? w0 + 2 * k : w0, cols > 3 ? w0 + 3 * k : w0};
        __m128i sums = _mm_setzero_si128();
        if (GPT2K_L_INT8_ROWSUMS && m > 1) sums = GPT2K_L(int8_rowsums)(k, rows4);
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const GPT2K_INT8_ACT *a = codes + i * acts.ldq;
            __m128i dots[4], own = _mm_setzero_si128();
            switch (rows) {
            case 1:
                // A lone row (one-row calls, or the last of several, whose sums were computed
                // above and are recomputed here harmlessly).
                GPT2K_L(int8_tile)(1, a, acts.ldq, k, rows4, ahead, dots, &own);
                if (GPT2K_L_INT8_ROWSUMS && m == 1) sums = own;
                break;
            case 2: GPT2K_L(int8_tile)(2, a, acts.ldq, k, rows4, ahead, dots, &own); break;
            case 3: GPT2K_L(int8_tile)(3, a, acts.ldq, k, rows4, ahead, dots, &own); break;
            default: GPT2K_L(int8_tile)(4, a, acts.ldq, k, rows4, ahead, dots, &own); break;
            }
            for (int r = 0; r < rows; r++) {
                __m128i d = dots[r];
                if (GPT2K_L_INT8_ROWSUMS) d = _mm_sub_epi32(d, _mm_mullo_epi32(_mm_set1_epi32(acts.zeros[i + r]), sums));
                GPT2K_L(int8_emit4)(d, acts.scales[i + r], w_scales + j, bias ? bias + j : NULL, c + (i + r) * ldc + j,
                                    cols, accumulate);
            }
        }
    }
}

#endif
