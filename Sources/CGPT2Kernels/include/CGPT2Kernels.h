// Hot loops of GPT2Kernels' linear layers for narrow weight formats (fp16, bf16, int8, q4),
// written in C so they can reach AVX2 / AVX-512 / VNNI instructions behind a run-time CPU check:
// every x86 kernel carries a per-function target attribute, so one binary runs on any x86-64
// with AVX2 and uses AVX-512 where present; other CPUs (arm64) run the portable C paths.
//
// Conventions: matrices are row-major; `a` is fp32 activations [m, k] with row stride `lda`;
// `c` is fp32 [m, n] with row stride `ldc`; a call computes the output columns [j0, j1) of
// every row, so callers can split the columns over threads. `accumulate` adds into c.
// Every pointer may be unaligned unless stated.
#ifndef CGPT2KERNELS_H
#define CGPT2KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels of the kernels, ascending; each includes the ones below it.
enum {
    /// Plain C, any CPU.
    GPT2K_ISA_PORTABLE = 0,
    /// x86-64 with AVX2, FMA and F16C.
    GPT2K_ISA_AVX2 = 1,
    /// Adds AVX-512 F, BW, VL and DQ.
    GPT2K_ISA_AVX512 = 2,
    /// Adds AVX-512 VNNI (vpdpbusd).
    GPT2K_ISA_AVX512_VNNI = 3,
};

/// The best level this CPU and operating system support (cpuid and xgetbv on x86-64).
int gpt2k_detect_isa(void);

// MARK: fp32 weights in 16-column panels

/// `c[i, j] (+)= sum_p a[i, p] * W[p, j] + bias[j]` for rows i < m and the columns of panels
/// [p0, p1), where `w` holds W [k, n] as panels of 16 columns (`[n / 16][k][16]`, GPT2Kernels'
/// `inputPanels`). `bias` may be NULL. Returns 1 when it ran (AVX-512 levels; AVX2 up to 16 rows,
/// one panel at a time), 0 when this `isa` has no C kernel for it and the caller must use its own.
int gpt2k_f32_panels(int isa, const float *a, long lda, const float *w, long m, long k, const float *bias, float *c,
                     long ldc, long p0, long p1, int accumulate);

/// `c[j] (+)= sum_p x[p] * w[j * ldw + p] + bias[j]` for j in [j0, j1): one activation row times
/// fp32 weights stored [n, k] row-major (nn.Linear, the LM head). `bias` may be NULL. Returns 1
/// when it ran (the AVX2 level), 0 when this `isa` has no C kernel for it.
int gpt2k_f32_rows(int isa, const float *x, const float *w, long ldw, long k, const float *bias, float *c, long j0,
                   long j1, int accumulate);

// MARK: fp16 / bf16 weights

/// `gpt2k_half_linear` for 16-bit weights in 16-column panels ([n / 16][k][16]): the columns of
/// panels [p0, p1) for rows i < m. The AVX2 and AVX-512 levels run vector kernels; the portable
/// level plain C (GPT2Kernels keeps such weights in panels only on AVX2 and AVX-512 CPUs).
void gpt2k_half_panels(int isa, int bf16, const float *a, long lda, const uint16_t *w, long m, long k,
                       const float *bias, float *c, long ldc, long p0, long p1, int accumulate);

/// `c[i, j] (+)= sum_p a[i, p] * w(p, j) + bias[j]` for columns j in [j0, j1) and rows i < m.
/// `w`: 16-bit floats, IEEE binary16 when `bf16 == 0`, bfloat16 otherwise; `output_major == 0`:
/// [k, n] row-major (Conv1D), else [n, k] row-major (nn.Linear / lm_head). `bias` may be NULL.
/// fp32 accumulation; the order of the additions depends on `isa`.
void gpt2k_half_linear(int isa, int bf16, int output_major, const float *a, long lda, const uint16_t *w,
                       long m, long n, long k, const float *bias, float *c, long ldc, long j0, long j1,
                       int accumulate);

// MARK: int8 weights (per-output-row scale), activations quantized per row to u8

/// Bytes of scratch (at least 4-byte aligned; 64 is best) that the int8 activations of m rows of k need at `isa`.
size_t gpt2k_int8_scratch_bytes(int isa, long m, long k);

/// Quantizes each row of `a` asymmetrically to u8 codes: lo = min(0, min a), hi = max(0, max a),
/// scale = (hi - lo) / 255, zero = round(-lo / scale), code = clamp(round(a / scale) + zero, 0, 255)
/// (with a multiply by 1 / scale), so |a - scale * (code - zero)| <= scale / 2. An all-zero row
/// gets scale 0; a row with a non-finite value gets scale NaN (its outputs are NaN). The result,
/// written to `scratch`, is the same at every `isa`. k must be at most 65536.
void gpt2k_int8_quantize_activations(int isa, const float *a, long lda, long m, long k, void *scratch);

/// Bytes of per-call workspace (`panel` of gpt2k_int8_linear, 64-byte aligned) that m rows of k
/// need at `isa`; 0 when that path packs nothing (then `panel` may be NULL). Concurrent calls
/// need one panel each.
size_t gpt2k_int8_panel_bytes(int isa, long m, long k);

/// `c[i, j] (+)= scale_a[i] * scale_w[j] * sum_p (code[i, p] - zero[i]) * w[j, p] + bias[j]` for
/// j in [j0, j1): the integer sum is exact and the float steps are the same at every `isa`, so
/// the result does not depend on `isa`, m or the column split. `w`: int8 [n, k]; `w_scales`: n floats.
void gpt2k_int8_linear(int isa, const void *scratch, void *panel, long m, long k, const int8_t *w,
                       const float *w_scales, const float *bias, float *c, long ldc, long j0, long j1, int accumulate);

/// `gpt2k_int8_linear` for int8 weights in panels of 16 outputs (k even): the first n - n % 16
/// outputs panel after panel, panel P's 16 k bytes at `w + 16 P k` as k / 2 chunks of 32 bytes,
/// chunk q holding inputs 2q, 2q + 1 of outputs 0..7 (byte 2r + t: output r, input 2q + t), then
/// the same for outputs 8..15; the last n % 16 outputs follow output-major ([n, k] rows, where
/// that layout would put them). `w_scales` [n]. j0 must be a multiple of 16 below n - n % 16.
/// Vector kernel (vpmaddwd on int16 pairs, no horizontal sums) at the AVX2 and AVX-512 levels,
/// plain C otherwise; same bits as gpt2k_int8_linear on the same weights at every level.
void gpt2k_int8_panels(int isa, const void *scratch, long m, long k, long n, const int8_t *w, const float *w_scales,
                       const float *bias, float *c, long ldc, long j0, long j1, int accumulate);

// MARK: q4 weights (blocks of 32 along k, fp16 scales), activations quantized per block to s8

/// Bytes of scratch (at least 4-byte aligned; 64 is best) that the q4 activations of m rows of k (a multiple of 32) need.
size_t gpt2k_q4_scratch_bytes(long m, long k);

/// Quantizes each block of 32 activations symmetrically: scale = max|a| / 127,
/// code = clamp(round(a / scale), -127, 127), so |a - scale * code| <= scale / 2; an all-zero block
/// gets scale 0, a block with a non-finite value scale NaN. Same result at every `isa`.
void gpt2k_q4_quantize_activations(int isa, const float *a, long lda, long m, long k, void *scratch);

/// `c[i, j] (+)= sum_blocks scale_a * scale_w * sum_t code_a * (q_w - 8) + bias[j]` for j in [j0, j1),
/// summed block after block in fp32 as fmaf(integer sum, scale_a * scale_w, total), the same bits
/// at every `isa`, in either layout, whatever the rows of the call or the column split.
/// `w_scales` are binary16 bit patterns. Layouts (`panels` 0 or 1), blocks of 32 along k:
/// - output-major: `w` [n, k / 2] bytes, element 2t of a block in the low nibble of its byte t,
///   element 2t + 1 in the high one; `w_scales` [n, k / 32].
/// - panels: the first n - n % 16 outputs in panels of 16, panel after panel: panel P's bytes at
///   `w + 16 P * k / 2` are k / 8 chunks of 64 bytes, chunk c holding for output r (0..15) bytes
///   4r..4r+3, whose low nibbles are elements 8c..8c+3 and high nibbles 8c+4..8c+7; its scales
///   at `w_scales + 16 P * (k / 32)` are [k / 32][16]. The last n % 16 outputs follow output-major,
///   where that layout would put them.
void gpt2k_q4_linear(int isa, const void *scratch, long m, long k, long n, int panels, const uint8_t *w,
                     const uint16_t *w_scales, const float *bias, float *c, long ldc, long j0, long j1, int accumulate);

// MARK: conversions

/// Widens `count` IEEE binary16 (bf16 == 0) or bfloat16 values to fp32, exactly.
void gpt2k_widen_half(int isa, int bf16, const uint16_t *source, float *destination, long count);

#ifdef __cplusplus
}
#endif

#endif
