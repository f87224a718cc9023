// Run-time CPU detection: which kernel level this machine (and its OS) can run.
#include "common.h"

#if GPT2K_X86
#include <cpuid.h>

static uint64_t gpt2k_xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

int gpt2k_detect_isa(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return GPT2K_ISA_PORTABLE;
    int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, f16c = (ecx >> 29) & 1;
    if (!(fma && osxsave && avx && f16c)) return GPT2K_ISA_PORTABLE;
    uint64_t xcr0 = gpt2k_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return GPT2K_ISA_PORTABLE;  // the OS saves xmm and ymm state
    if (__get_cpuid_max(0, NULL) < 7) return GPT2K_ISA_PORTABLE;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int avx2 = (ebx >> 5) & 1;
    if (!avx2) return GPT2K_ISA_PORTABLE;
    int avx512 = ((ebx >> 16) & 1) && ((ebx >> 17) & 1) && ((ebx >> 30) & 1) && ((ebx >> 31) & 1);
    if (!avx512 || (xcr0 & 0xE6) != 0xE6) return GPT2K_ISA_AVX2;  // opmask and zmm state too
    int vnni = (ecx >> 11) & 1;
    return vnni ? GPT2K_ISA_AVX512_VNNI : GPT2K_ISA_AVX512;
}
#else
int gpt2k_detect_isa(void) { return GPT2K_ISA_PORTABLE; }
#endif
