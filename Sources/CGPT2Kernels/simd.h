// The vector vocabulary of the x86 kernels, written once for every width. Each kernel body
// (the *_kernels.h files) is compiled once per instruction-set level: the kernel file defines
// GPT2K_LEVEL, includes simd_level.h (which sets the width, GPT2K_BITS = 256 or 512, the
// function attribute and the level's leaf functions) and then the body. The operations below
// name intrinsics by pasting the width into them (`VMM(_loadu_ps)` is _mm256_loadu_ps at 256
// bits and _mm512_loadu_ps at 512), so an AVX2 build runs the same loops, tile shapes and
// address arithmetic as the AVX-512 build; only the lane count and the leaves differ.
#ifndef CGPT2KERNELS_SIMD_H
#define CGPT2KERNELS_SIMD_H

#include "common.h"

#if GPT2K_X86

#define GPT2K_CAT_(a, b) a##b
#define GPT2K_CAT(a, b) GPT2K_CAT_(a, b)
#define GPT2K_CAT3(a, b, c) GPT2K_CAT(GPT2K_CAT(a, b), c)

/// An intrinsic of the level's full width: VMM(_add_ps) is _mm256_add_ps or _mm512_add_ps.
#define VMM(op) GPT2K_CAT3(_mm, GPT2K_BITS, op)
/// An intrinsic of half the width (_mm_ at 256 bits, _mm256_ at 512), named by its op stem
/// and the half width (HMM(_loadu_si) is _mm_loadu_si128 or _mm256_loadu_si256).
#define HMM(op) GPT2K_CAT3(GPT2K_HALF_PREFIX, op, GPT2K_HALF_BITS)

/// Lanes of fp32 (and of int32) in one vector.
#define GPT2K_VW (GPT2K_BITS / 32)
/// Vectors that hold the 16 columns of one panel row.
#define GPT2K_VPR (16 / GPT2K_VW)

/// fp32 vector, integer vector and the integer vector of half the width.
#define VF GPT2K_CAT(__m, GPT2K_BITS)
#define VI GPT2K_CAT3(__m, GPT2K_BITS, i)
#define VH GPT2K_CAT3(__m, GPT2K_HALF_BITS, i)

// MARK: fp32

#define VF_ZERO() VMM(_setzero_ps)()
#define VF_LOAD(p) VMM(_loadu_ps)(p)
#define VF_STORE(p, v) VMM(_storeu_ps)(p, v)
#define VF_SET1(x) VMM(_set1_ps)(x)
#define VF_ADD(a, b) VMM(_add_ps)(a, b)
#define VF_MUL(a, b) VMM(_mul_ps)(a, b)
/// a * b + c in one rounding.
#define VF_FMA(a, b, c) VMM(_fmadd_ps)(a, b, c)
#define VF_FROM_I32(v) VMM(_cvtepi32_ps)(v)
/// The same bits seen as fp32 lanes, and back.
#define VF_FROM_BITS(v) VMM(GPT2K_CAT(_castsi, GPT2K_CAT(GPT2K_BITS, _ps)))(v)
#define VI_FROM_BITS(v) VMM(GPT2K_CAT(_castps_si, GPT2K_BITS))(v)
/// VW binary16 values (a VH) to fp32, exactly.
#define VF_FROM_F16(h) VMM(_cvtph_ps)(h)
/// VW bfloat16 values (a VH) to fp32: each moved to the top half of its lane.
#define VF_FROM_BF16(h) VF_FROM_BITS(VMM(_slli_epi32)(VMM(_cvtepu16_epi32)(h), 16))

// MARK: integers

#define VI_ZERO() VMM(GPT2K_CAT(_setzero_si, GPT2K_BITS))()
#define VI_LOAD(p) VMM(GPT2K_CAT(_loadu_si, GPT2K_BITS))((const void *)(p))
#define VH_LOAD(p) HMM(_loadu_si)((const void *)(p))
#define VI_SET1_8(x) VMM(_set1_epi8)(x)
#define VI_SET1_16(x) VMM(_set1_epi16)(x)
#define VI_SET1_32(x) VMM(_set1_epi32)(x)
#define VI_ADD16(a, b) VMM(_add_epi16)(a, b)
#define VI_ADD32(a, b) VMM(_add_epi32)(a, b)
#define VI_AND(a, b) VMM(GPT2K_CAT(_and_si, GPT2K_BITS))(a, b)
/// ~a & b.
#define VI_ANDNOT(a, b) VMM(GPT2K_CAT(_andnot_si, GPT2K_BITS))(a, b)
#define VI_SRLI16(v, n) VMM(_srli_epi16)(v, n)
#define VI_SRAI32(v, n) VMM(_srai_epi32)(v, n)
/// 2 VW int8 (a VH) sign-extended to int16.
#define VI_FROM_S8(h) VMM(_cvtepi8_epi16)(h)
/// vpmaddwd: int16 pairs multiplied and summed into int32 lanes.
#define VI_MADD16(a, b) VMM(_madd_epi16)(a, b)
/// vpmaddubsw: u8 (a) times s8 (b), pairs summed into int16 lanes.
#define VI_MADDUBS(a, b) VMM(_maddubs_epi16)(a, b)

/// Prefetch of the line holding byte address `p`.
#define GPT2K_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

/// Four activation codes as one int32 (for broadcasting).
GPT2K_INLINE int32_t gpt2k_word(const void *x) {
    int32_t word;
    memcpy(&word, x, 4);
    return word;
}

#endif

#endif
