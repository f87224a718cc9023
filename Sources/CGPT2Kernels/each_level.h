// Compiles one kernel body once per x86 level: a kernel file defines GPT2K_BODY (the body's
// header name) and, where the body has a VNNI variant, GPT2K_BODY_VNNI 1, then includes this
// file; each pass includes simd_level.h for the level and then the body, whose functions get
// the level's suffix (_avx2, _avx512, _vnni). Hence no include guard.
#if GPT2K_X86
#define GPT2K_LEVEL GPT2K_LEVEL_AVX2
#include "simd_level.h"
#include GPT2K_BODY
#undef GPT2K_LEVEL
#define GPT2K_LEVEL GPT2K_LEVEL_AVX512
#include "simd_level.h"
#include GPT2K_BODY
#undef GPT2K_LEVEL
#if GPT2K_BODY_VNNI
#define GPT2K_LEVEL GPT2K_LEVEL_VNNI
#include "simd_level.h"
#include GPT2K_BODY
#undef GPT2K_LEVEL
#endif
#endif
#undef GPT2K_BODY
#undef GPT2K_BODY_VNNI
