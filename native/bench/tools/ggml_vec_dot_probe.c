// ggml's CPU dot-product kernel alone, on one thread, CPU time: the counterpart of
// `PROBE_CPUTIME=1 kernel_probe ISA 1` for ggml_compare.py --cputime. It multiplies an M × K matrix of
// random valid blocks (random bytes with an fp16 scale of 2^-7, as kernel_probe writes them) with one
// activation row, row by row through ggml_get_type_traits_cpu(type)->vec_dot, and prints the best and
// median of the repetitions in µs per matrix. Build against a ggml build tree:
//
//   cc -O2 native/bench/tools/ggml_vec_dot_probe.c -I$GGML/include -L$GGML/build/src -lggml-cpu -lggml-base \
//      -Wl,-rpath,$GGML/build/src -o build/ggml_vec_dot_probe
//   build/ggml_vec_dot_probe iq2_xxs 2048 2048 7
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-cpu.h"
#include "ggml.h"

static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare_doubles(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s TYPE M K REPETITIONS\n", argv[0]);
        return 2;
    }
    ggml_cpu_init();
    enum ggml_type type = GGML_TYPE_COUNT;
    for (int t = 0; t < GGML_TYPE_COUNT; ++t)
        if (ggml_get_type_traits(t)->type_name && strcmp(ggml_get_type_traits(t)->type_name, argv[1]) == 0) type = t;
    if (type == GGML_TYPE_COUNT) {
        fprintf(stderr, "unknown type %s\n", argv[1]);
        return 2;
    }
    const int m = atoi(argv[2]), k = atoi(argv[3]), reps = atoi(argv[4]);
    const size_t row = ggml_row_size(type, k), bytes = row * m, block = ggml_type_size(type);
    uint8_t* w = aligned_alloc(64, (bytes + 63) / 64 * 64);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < bytes; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        w[i] = (uint8_t)(state >> 56);
    }
    const uint16_t d = 0x2000;
    for (size_t b = 0; b + block <= bytes; b += block) {
        if (type == GGML_TYPE_IQ1_M) {  // the fp16 scale in the top nibbles of the last four 16-bit words
            for (int i = 0; i < 4; ++i) {
                uint8_t* hi = &w[b + block - 8 + 2 * i + 1];
                *hi = (uint8_t)((*hi & 0x0F) | (((d >> (4 * i)) & 0xF) << 4));
            }
        } else {
            memcpy(w + b, &d, 2);
        }
    }
    const struct ggml_type_traits_cpu* traits = ggml_get_type_traits_cpu(type);
    float* x = malloc((size_t)k * 4);
    for (int i = 0; i < k; ++i) x[i] = (float)((i * 40503u) % 2001) / 1000.0f - 1.0f;
    void* xq = malloc(ggml_row_size(traits->vec_dot_type, k));
    ggml_get_type_traits_cpu(traits->vec_dot_type)->from_float(x, xq, k);
    float* y = malloc((size_t)m * 4);
    double* times = malloc(sizeof(double) * reps);
    for (int r = 0; r < reps; ++r) {
        const double t0 = thread_seconds();
        for (int it = 0; it < 10; ++it)
            for (int i = 0; i < m; ++i) traits->vec_dot(k, &y[i], 0, w + (size_t)i * row, 0, xq, 0, 1);
        times[r] = (thread_seconds() - t0) / 10;
    }
    qsort(times, reps, sizeof(double), compare_doubles);
    printf("%s %d %d best %.1f median %.1f us\n", argv[1], m, k, times[0] * 1e6, times[reps / 2] * 1e6);
    free(w), free(x), free(xq), free(y), free(times);
    return 0;
}
