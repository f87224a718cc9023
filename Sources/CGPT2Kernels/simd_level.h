// One instruction-set level of the vector layer (simd.h): what differs between the levels, and
// nothing else. A kernel file includes it once per level, after `#define GPT2K_LEVEL
// GPT2K_LEVEL_...`, and then that level's copy of a kernel body; hence no include guard. It sets
// the width (GPT2K_BITS), the function attribute (GPT2K_TARGET), the name suffix (GPT2K_L(x)
// is x_avx2, x_avx512 or x_vnni), the level's tuning constants and its leaf functions: the
// partial loads of a tail, horizontal sums, and the instruction-specific int8 / q4 products.
#include "simd.h"

#if GPT2K_X86

#undef GPT2K_BITS
#undef GPT2K_HALF_BITS
#undef GPT2K_HALF_PREFIX
#undef GPT2K_TARGET
#undef GPT2K_SUFFIX
#if GPT2K_LEVEL == GPT2K_LEVEL_AVX2
#define GPT2K_BITS 256
#define GPT2K_HALF_BITS 128
#define GPT2K_HALF_PREFIX _mm
#define GPT2K_TARGET GPT2K_AVX2
#define GPT2K_SUFFIX _avx2
#elif GPT2K_LEVEL == GPT2K_LEVEL_AVX512 || GPT2K_LEVEL == GPT2K_LEVEL_VNNI
#define GPT2K_BITS 512
#define GPT2K_HALF_BITS 256
#define GPT2K_HALF_PREFIX _mm256
#define GPT2K_TARGET GPT2K_AVX512
#define GPT2K_SUFFIX _avx512
#if GPT2K_LEVEL == GPT2K_LEVEL_VNNI
#undef GPT2K_TARGET
#undef GPT2K_SUFFIX
#define GPT2K_TARGET GPT2K_VNNI
#define GPT2K_SUFFIX _vnni
#endif
#else
#error "simd_level.h: define GPT2K_LEVEL as GPT2K_LEVEL_AVX2, GPT2K_LEVEL_AVX512 or GPT2K_LEVEL_VNNI first"
#endif

#ifndef GPT2K_LEVEL_CONSTANTS
#define GPT2K_LEVEL_CONSTANTS
/// This level's name for a kernel or leaf function.
#define GPT2K_L(name) GPT2K_CAT(name, GPT2K_SUFFIX)
/// Whether this level is AVX2 (the tuning constants below are the AVX2 ones there).
#define GPT2K_L_IS_AVX2 (GPT2K_LEVEL == GPT2K_LEVEL_AVX2)
/// Bytes ahead that the fp32 panel stream prefetches; 0 prefetches nothing (AVX-512 tiles
/// of up to 4 panels keep enough loads in flight without it).
#define GPT2K_L_F32_PREFETCH (GPT2K_L_IS_AVX2 ? GPT2K_AVX2_F32_PREFETCH : 0)
/// The same for the 16-bit weight streams (panels and [n, k] rows).
#define GPT2K_L_PANEL_PREFETCH (GPT2K_L_IS_AVX2 ? GPT2K_AVX2_PANEL_PREFETCH : 0)
/// Panels a panel tile covers at most: AVX2's 16 registers hold 6 rows x 2 vectors, AVX-512's
/// 32 hold 6 rows x 4.
#define GPT2K_L_PANELS_PER_TILE (GPT2K_L_IS_AVX2 ? 1 : 4)
/// Depth unroll of a panel tile of MR rows: on AVX2, enough independent FMA chains at few rows.
#define GPT2K_L_PANEL_UNROLL(MR) (GPT2K_L_IS_AVX2 ? ((MR) == 1 ? 4 : ((MR) <= 3 ? 2 : 1)) : 1)
/// Activation rows of a q4 panel tile, and how far ahead its weight stream is prefetched.
#define GPT2K_L_Q4_ROWS (GPT2K_L_IS_AVX2 ? 2 : 4)
#define GPT2K_L_Q4_PREFETCH (GPT2K_L_IS_AVX2 ? GPT2K_AVX2_PANEL_PREFETCH : 4096)
/// Whether multi-row int8 tiles prefetch their four weight rows (AVX-512 without VNNI; with
/// VNNI the row-sum pass has brought them into L1 already).
#define GPT2K_L_INT8_PREFETCH (GPT2K_LEVEL == GPT2K_LEVEL_AVX512)
/// Whether the int8 products run on u8 codes and need the weight rows' sums (VNNI).
#define GPT2K_L_INT8_ROWSUMS (GPT2K_LEVEL == GPT2K_LEVEL_VNNI)
#endif

// MARK: tails and sums

/// The first `bytes` bytes at p (fewer than a VH holds), the rest 0; reads only those bytes.
GPT2K_INLINE GPT2K_TARGET VH GPT2K_L(vh_load_part)(const void *p, long bytes) {
#if GPT2K_BITS == 512
    return _mm256_maskz_loadu_epi8((__mmask32)((1ull << bytes) - 1), p);
#else
    uint8_t buffer[16] = {0};
    memcpy(buffer, p, (size_t)bytes);
    return VH_LOAD(buffer);
#endif
}

/// The first n (< VW) fp32 lanes at p, the rest 0; reads only those.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(vf_load_part)(const float *p, long n) {
#if GPT2K_BITS == 512
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#else
    return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
#endif
}

/// Stores the first n (< VW) lanes of v at p; writes only those.
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(vf_store_part)(float *p, VF v, long n) {
#if GPT2K_BITS == 512
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
#else
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), v);
#endif
}

/// VW 16-bit weights at p (binary16, or bfloat16 when bf16) widened to fp32, exactly.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(half_load)(const int bf16, const uint16_t *p) {
    VH h = VH_LOAD(p);
    return bf16 ? VF_FROM_BF16(h) : VF_FROM_F16(h);
}

/// The first n (< VW) 16-bit weights at p widened, the other lanes 0.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(half_load_part)(const int bf16, const uint16_t *p, long n) {
    VH h = GPT2K_L(vh_load_part)(p, 2 * n);
    return bf16 ? VF_FROM_BF16(h) : VF_FROM_F16(h);
}

/// a + b, lane by lane, in fp32 or (`integer`) in int32 on the same bits.
GPT2K_INLINE GPT2K_TARGET VF GPT2K_L(add_lanes)(const int integer, VF a, VF b) {
    if (!integer) return VF_ADD(a, b);
    return VF_FROM_BITS(VI_ADD32(VI_FROM_BITS(a), VI_FROM_BITS(b)));
}

/// The horizontal sums of four vectors, as lanes 0-3 of one: first within each 128-bit lane,
/// then across the lanes. The shuffles only move bits; `integer` picks int32 additions.
GPT2K_INLINE GPT2K_TARGET __m128 GPT2K_L(sum4)(const int integer, VF a, VF b, VF c, VF d) {
    VF ab = GPT2K_L(add_lanes)(integer, VMM(_unpacklo_ps)(a, b), VMM(_unpackhi_ps)(a, b));
    VF cd = GPT2K_L(add_lanes)(integer, VMM(_unpacklo_ps)(c, d), VMM(_unpackhi_ps)(c, d));
    VF lo = VMM(_castpd_ps)(VMM(_unpacklo_pd)(VMM(_castps_pd)(ab), VMM(_castps_pd)(cd)));
    VF hi = VMM(_castpd_ps)(VMM(_unpackhi_pd)(VMM(_castps_pd)(ab), VMM(_castps_pd)(cd)));
    VF s = GPT2K_L(add_lanes)(integer, lo, hi);
#if GPT2K_BITS == 512
    __m256 top = _mm512_extractf32x8_ps(s, 1), h = _mm512_castps512_ps256(s);
    h = integer ? _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(h), _mm256_castps_si256(top)))
                : _mm256_add_ps(h, top);
#else
    __m256 h = s;
#endif
    __m128 x = _mm256_castps256_ps128(h), y = _mm256_extractf128_ps(h, 1);
    return integer ? _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(x), _mm_castps_si128(y))) : _mm_add_ps(x, y);
}

/// The fp32 horizontal sums of four vectors, as lanes 0-3 of one.
GPT2K_INLINE GPT2K_TARGET __m128 GPT2K_L(vf_sum4)(VF a, VF b, VF c, VF d) { return GPT2K_L(sum4)(0, a, b, c, d); }

/// The int32 horizontal sums of four vectors, as lanes 0-3 of one.
GPT2K_INLINE GPT2K_TARGET __m128i GPT2K_L(vi_sum4)(VI a, VI b, VI c, VI d) {
    return _mm_castps_si128(GPT2K_L(sum4)(1, VF_FROM_BITS(a), VF_FROM_BITS(b), VF_FROM_BITS(c), VF_FROM_BITS(d)));
}

// MARK: int8 and q4 products (the instruction-specific leaves)

#undef GPT2K_INT8_ACT
#undef GPT2K_INT8_ACTS
#undef GPT2K_INT8_STEP
#if GPT2K_L_INT8_ROWSUMS
/// With VNNI, vpdpbusd multiplies the u8 codes by the s8 weights, four per int32 lane; the
/// zero point comes off afterwards through the weight rows' sums.
#define GPT2K_INT8_ACT uint8_t
#define GPT2K_INT8_ACTS(acts) ((acts).codes)
#define GPT2K_INT8_STEP (4 * GPT2K_VW)

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_weights)(const int8_t *p) { return VI_LOAD(p); }

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_weights_part)(const int8_t *p, long n) {
    return _mm512_maskz_loadu_epi8((__mmask64)((1ull << n) - 1), p);
}

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_dot)(VI acc, VI a, VI w) { return _mm512_dpbusd_epi32(acc, a, w); }

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_rowsum)(VI sum, VI w) { return _mm512_dpbusd_epi32(sum, VI_SET1_8(1), w); }
#else
/// Without VNNI, vpmaddwd multiplies int16 (code - zero) by sign-extended weights, two per
/// int32 lane, so no row sums are needed.
#define GPT2K_INT8_ACT int16_t
#define GPT2K_INT8_ACTS(acts) ((acts).wide)
#define GPT2K_INT8_STEP (2 * GPT2K_VW)

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_weights)(const int8_t *p) { return VI_FROM_S8(VH_LOAD(p)); }

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_weights_part)(const int8_t *p, long n) {
    return VI_FROM_S8(GPT2K_L(vh_load_part)(p, n));
}

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_dot)(VI acc, VI a, VI w) { return VI_ADD32(acc, VI_MADD16(a, w)); }

GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(int8_rowsum)(VI sum, VI w) {
    (void)w;
    return sum;
}
#endif

#if GPT2K_LEVEL == GPT2K_LEVEL_VNNI
/// A q4 chunk's high nibbles times 16 (the bytes with the low nibble cleared): vpdpbusd sums
/// them in int32, so the block's high sum is a multiple of 16 and shifting it back is exact.
GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(q4_high)(VI raw, VI low) { return VI_ANDNOT(low, raw); }

/// Adds the byte products of a chunk's low nibbles with codes x0 and its high nibbles with x1
/// (4 codes broadcast per lane): low ones into state[0], high ones into state[1].
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(q4_accumulate)(VI state[2], VI lo, VI hi, VI x0, VI x1) {
    state[0] = _mm512_dpbusd_epi32(state[0], lo, x0);
    state[1] = _mm512_dpbusd_epi32(state[1], hi, x1);
}

/// The block's exact integer sums: compensation + low + high / 16.
GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(q4_finish)(const VI state[2], int32_t comp) {
    return VI_ADD32(VI_ADD32(VI_SET1_32(comp), state[0]), VI_SRAI32(state[1], 4));
}
#else
/// A q4 chunk's high nibbles (0..15).
GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(q4_high)(VI raw, VI low) { return VI_AND(VI_SRLI16(raw, 4), low); }

/// Pairs of byte products in int16 (each at most 2 * 15 * 127), eight of them per lane and
/// block summed in state[0] (at most 30480, no saturation).
GPT2K_INLINE GPT2K_TARGET void GPT2K_L(q4_accumulate)(VI state[2], VI lo, VI hi, VI x0, VI x1) {
    state[0] = VI_ADD16(state[0], VI_MADDUBS(lo, x0));
    state[0] = VI_ADD16(state[0], VI_MADDUBS(hi, x1));
}

/// The block's exact integer sums: compensation + the int16 pairs widened once.
GPT2K_INLINE GPT2K_TARGET VI GPT2K_L(q4_finish)(const VI state[2], int32_t comp) {
    return VI_ADD32(VI_SET1_32(comp), VI_MADD16(state[0], VI_SET1_16(1)));
}
#endif

#endif
