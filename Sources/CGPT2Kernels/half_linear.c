// fp16 / bf16 weights times fp32 activations: each weight is widened to fp32 in registers and
// multiplied with FMA; accumulation in fp32. Weight blocks are the outer loop (read from memory
// once per call), blocks of up to 4 activation rows the inner one.
#include "common.h"

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
// The vector kernels, one body (half_kernels.h) compiled per level.
#define GPT2K_BODY "half_kernels.h"
#include "each_level.h"
#endif

void gpt2k_half_linear(int isa, int bf16, int output_major, const float *a, long lda, const uint16_t *w,
                       long m, long n, long k, const float *bias, float *c, long ldc, long j0, long j1,
                       int accumulate) {
    (void)isa;
    if (m <= 0 || j1 <= j0) return;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) {
        half_linear_avx512(bf16, output_major, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        return;
    }
    if (isa == GPT2K_ISA_AVX2) {
        half_linear_avx2(bf16, output_major, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
        return;
    }
#endif
    if (output_major) half_output_major_portable(bf16, a, lda, w, m, k, bias, c, ldc, j0, j1, accumulate);
    else half_input_major_portable(bf16, a, lda, w, m, n, k, bias, c, ldc, j0, j1, accumulate);
}

void gpt2k_widen_half(int isa, int bf16, const uint16_t *source, float *destination, long count) {
    (void)isa;
#if GPT2K_X86
    if (isa >= GPT2K_ISA_AVX512) { widen_avx512(bf16, source, destination, count); return; }
    if (isa == GPT2K_ISA_AVX2) { widen_avx2(bf16, source, destination, count); return; }
#endif
    widen_portable(bf16, source, destination, count);
}

