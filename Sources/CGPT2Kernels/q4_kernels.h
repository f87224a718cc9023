// The body of the q4 panel kernel of q4_linear.c, written once for every vector width and
// product: q4_linear.c includes it once per level after simd_level.h (hence no include guard),
// and each inclusion defines q4_panel_<level>. A panel's 64-byte chunk is GPT2K_VPR vectors
// (two ymm or one zmm) of int32 lanes, one lane per output; the level's leaves (q4_high,
// q4_accumulate, q4_finish) multiply its nibbles by 4 broadcast codes with vpdpbusd (VNNI) or
// vpmaddubsw, both exact in integers, so every level gives the same bits.
#if GPT2K_X86

/// Rows 0..MR-1 (MR <= GPT2K_L_Q4_ROWS) of the activations at `acts` (row stride `stride`)
/// against one panel (bytes `wp`, scales `sp`): out[r][h] holds row r's totals of outputs
/// VW h .. VW h + VW - 1. The panel is read once, chunk after chunk, for all MR rows and both
/// halves. (Walking it once per half left the second pass, served from cache, not overlapping
/// any DRAM traffic, which measured far slower.)
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(q4_panel_tile)(const int MR, const int8_t *acts, long stride, long k,
                                                      const uint8_t *wp, const uint16_t *sp,
                                                      VF out[4][GPT2K_VPR]) {
    long blocks = k / 32, kc = gpt2k_q4_codes_bytes(k);
    const VI low = VI_SET1_8(0x0F);
    VF total[4][GPT2K_VPR];
    for (int r = 0; r < MR; r++)
        for (int h = 0; h < GPT2K_VPR; h++) total[r][h] = VF_ZERO();
    for (long b = 0; b < blocks; b++) {
        VI state[4][GPT2K_VPR][2];
        for (int r = 0; r < MR; r++)
            for (int h = 0; h < GPT2K_VPR; h++) state[r][h][0] = state[r][h][1] = VI_ZERO();
        for (int chunk = 0; chunk < 4; chunk++) {
            const uint8_t *bytes = wp + 256 * b + 64 * chunk;
            GPT2K_PREFETCH(bytes + GPT2K_L_Q4_PREFETCH);
            VI lo[GPT2K_VPR], hi[GPT2K_VPR];
            for (int h = 0; h < GPT2K_VPR; h++) {
                VI raw = VI_LOAD(bytes + 64 / GPT2K_VPR * h);
                lo[h] = VI_AND(raw, low);
                hi[h] = GPT2K_L(q4_high)(raw, low);
            }
            for (int r = 0; r < MR; r++) {
                const int8_t *x = acts + r * stride + 32 * b + 8 * chunk;
                VI x0 = VI_SET1_32(gpt2k_word(x)), x1 = VI_SET1_32(gpt2k_word(x + 4));
                for (int h = 0; h < GPT2K_VPR; h++) GPT2K_L(q4_accumulate)(state[r][h], lo[h], hi[h], x0, x1);
            }
        }
        for (int h = 0; h < GPT2K_VPR; h++) {
            VF ws = VF_FROM_F16(VH_LOAD(sp + 16 * b + GPT2K_VW * h));
            for (int r = 0; r < MR; r++) {
                const int8_t *row = acts + r * stride;
                VI dot = GPT2K_L(q4_finish)(state[r][h], Q4_ACT_COMP(row, kc, blocks)[b]);
                VF scale = VF_MUL(VF_SET1(Q4_ACT_SCALES(row, kc)[b]), ws);
                total[r][h] = VF_FMA(VF_FROM_I32(dot), scale, total[r][h]);
            }
        }
    }
    for (int r = 0; r < MR; r++)
        for (int h = 0; h < GPT2K_VPR; h++) out[r][h] = total[r][h];
}

/// Columns [first, last) (within 0..16) of the panel at output j, rows in tiles of
/// GPT2K_L_Q4_ROWS (wider tiles are not compiled where the level does not use them).
GPT2K_TARGET static void GPT2K_L(q4_panel)(const int8_t *acts, long m, long k, const uint8_t *wp, const uint16_t *sp,
                                           const float *bias, float *c, long ldc, long j, int first, int last,
                                           int accumulate) {
    long stride = gpt2k_q4_row_bytes(k);
    for (long i = 0; i < m; i += GPT2K_L_Q4_ROWS) {
        int rows = m - i < GPT2K_L_Q4_ROWS ? (int)(m - i) : GPT2K_L_Q4_ROWS;
        const int8_t *tile = acts + i * stride;
        VF out[4][GPT2K_VPR];
        if (GPT2K_L_Q4_ROWS >= 4 && rows >= 4) GPT2K_L(q4_panel_tile)(4, tile, stride, k, wp, sp, out);
        else if (GPT2K_L_Q4_ROWS >= 3 && rows == 3) GPT2K_L(q4_panel_tile)(3, tile, stride, k, wp, sp, out);
        else if (rows >= 2) GPT2K_L(q4_panel_tile)(2, tile, stride, k, wp, sp, out);
        else GPT2K_L(q4_panel_tile)(1, tile, stride, k, wp, sp, out);
        for (int r = 0; r < rows; r++) {
            float *target = c + (i + r) * ldc + j;
            if (first == 0 && last == 16) {
                // A whole panel: gpt2k_emit's steps (+ bias, then + c) on vectors, same bits.
                for (int h = 0; h < GPT2K_VPR; h++) {
                    VF v = out[r][h];
                    if (bias) v = VF_ADD(v, VF_LOAD(bias + j + GPT2K_VW * h));
                    if (accumulate) v = VF_ADD(v, VF_LOAD(target + GPT2K_VW * h));
                    VF_STORE(target + GPT2K_VW * h, v);
                }
                continue;
            }
            float lanes[16];
            for (int h = 0; h < GPT2K_VPR; h++) VF_STORE(lanes + GPT2K_VW * h, out[r][h]);
            for (int column = first; column < last; column++)
                gpt2k_emit(lanes[column], bias, c + (i + r) * ldc, j + column, accumulate);
        }
    }
}

#endif
