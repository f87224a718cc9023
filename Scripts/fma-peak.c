// The CPU's fp32 FMA peak, for reading prompt speeds (which are compute-bound) against it:
// each thread runs 10 independent chains of 8-wide FMAs (AVX2) for a few seconds.
//
//   cc -O2 -mavx2 -mfma Scripts/fma-peak.c -o /tmp/fma-peak -lpthread && /tmp/fma-peak 2
//
// Prints GFLOP/s for the given number of threads (default 1); one FMA counts as 2 FLOP a lane.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STEPS 200000000L

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *chains(void *result) {
    const __m256 b = _mm256_set1_ps(0.5f), c = _mm256_set1_ps(0.25f);
    __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3);
    __m256 a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7);
    __m256 a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9);
    for (long i = 0; i < STEPS; i++) {
        // x -> x/2 + 1/4 converges to 0.5: no overflow, no denormals.
        a0 = _mm256_fmadd_ps(a0, b, c); a1 = _mm256_fmadd_ps(a1, b, c);
        a2 = _mm256_fmadd_ps(a2, b, c); a3 = _mm256_fmadd_ps(a3, b, c);
        a4 = _mm256_fmadd_ps(a4, b, c); a5 = _mm256_fmadd_ps(a5, b, c);
        a6 = _mm256_fmadd_ps(a6, b, c); a7 = _mm256_fmadd_ps(a7, b, c);
        a8 = _mm256_fmadd_ps(a8, b, c); a9 = _mm256_fmadd_ps(a9, b, c);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(_mm256_add_ps(a6, a7), _mm256_add_ps(a8, a9))));
    *(float *)result = _mm256_cvtss_f32(s);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1 || threads > 64) {
        fprintf(stderr, "usage: %s [threads 1-64]\n", argv[0]);
        return 2;
    }
    pthread_t ids[64];
    float results[64];
    double start = now();
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, chains, &results[t]);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    double seconds = now() - start;
    printf("%d thread(s): %.1f GFLOP/s fp32 FMA peak (check value %.1f)\n", threads,
           threads * STEPS * 10 * 16.0 / seconds / 1e9, results[0]);
    return 0;
}
