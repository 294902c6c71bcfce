// kernel_probe: a quick native timing loop for tuning kernels (not the benchmark of record — that
// is bench/NativeInfer.Bench, BenchmarkDotNet). Decode matmuls rotate over weight copies totalling
// more than the last-level cache, so every call streams from DRAM, and are reported against the
// read bandwidth the same pool measures.
//   kernel_probe [isa] [threads]      isa: scalar|avx2|avx512|avx512_vnni (default: best)
// Environment: PROBE_TYPES (names to run), PROBE_M/PROBE_N/PROBE_K (one custom shape), PROBE_NO_GEMM,
// PROBE_ROTATION_MB (bytes the decode matmuls rotate over), PROBE_CPUTIME, PROBE_HUGE.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <sys/mman.h>

#include "nativeinfer.h"

namespace {

#include <time.h>

// Wall clock, or with PROBE_CPUTIME=1 this thread's CPU time: on a shared machine that ignores
// time the scheduler gave to other processes (meaningful for single-thread, in-cache runs).
double now() {
    static const bool cpu = std::getenv("PROBE_CPUTIME") != nullptr;
    if (cpu) {
        timespec t;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return t.tv_sec + t.tv_nsec * 1e-9;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(ni_status st) {
    if (st != NI_OK) { std::fprintf(stderr, "error: %s\n", ni_last_error()); std::exit(1); }
}

double bandwidth(ni_pool* pool, size_t bytes) {
    char* buf = static_cast<char*>(std::aligned_alloc(2u << 20, bytes));
    if (std::getenv("PROBE_HUGE")) madvise(buf, bytes, MADV_HUGEPAGE);
    std::memset(buf, 1, bytes);
    double best = 1e9;
    uint64_t sum;
    for (int i = 0; i < 5; ++i) {
        double t = now();
        check(ni_memory_read(pool, buf, bytes, &sum));
        best = std::min(best, now() - t);
    }
    std::free(buf);
    return bytes / best / 1e9;
}

// Random bytes with a moderate fp16 block scale: valid blocks of the i-quants, which the library
// reads but cannot write (IQ1_M keeps its scale in the top nibbles of its last four 16-bit words).
void random_blocks(int type, char* w, size_t bytes) {
    ni_type_info info;
    check(ni_type_get_info(type, &info));
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < bytes; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        w[i] = (char)(state >> 56);
    }
    const uint16_t d = 0x2000;  // 2^-7
    for (size_t b = 0; b + (size_t)info.block_bytes <= bytes; b += (size_t)info.block_bytes) {
        if (type == NI_TYPE_IQ1_M) {
            for (int i = 0; i < 4; ++i) {
                char& hi = w[b + (size_t)info.block_bytes - 8 + 2 * i + 1];
                hi = (char)((hi & 0x0F) | (((d >> (4 * i)) & 0xF) << 4));
            }
        } else {
            std::memcpy(w + b, &d, 2);
        }
    }
}

void matmul(ni_pool* pool, int type, const char* name, int64_t n, int64_t m, int64_t k, double bw, size_t rotation) {
    size_t row;
    check(ni_row_size(type, k, &row));
    const size_t matrix = row * m;
    const int copies = n == 1 ? (int)std::max<size_t>(1, rotation / matrix) : 1;
    std::vector<float> src(m * k), x(n * k), y(n * m);
    for (size_t i = 0; i < src.size(); ++i) src[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    for (size_t i = 0; i < x.size(); ++i) x[i] = (float)((i * 40503u) % 2001) / 1000.0f - 1.0f;
    const size_t w_bytes = (matrix * copies + (2u << 20) - 1) / (2u << 20) * (2u << 20);
    char* w = static_cast<char*>(std::aligned_alloc(2u << 20, w_bytes));
    if (std::getenv("PROBE_HUGE")) madvise(w, w_bytes, MADV_HUGEPAGE);
    for (int c = 0; c < copies; ++c) {
        const ni_status st = ni_quantize_rows(pool, type, w + c * matrix, row, src.data(), k * 4, m, k);
        if (st == NI_ERR_UNSUPPORTED_TYPE) random_blocks(type, w + c * matrix, matrix);  // a read-only format
        else check(st);
    }
    auto call = [&](int c) { check(ni_matmul(pool, type, w + c * matrix, row, x.data(), k * 4, y.data(), m * 4, n, m, k)); };
    for (int c = 0; c < copies; ++c) call(c);
    const int calls = n == 1 ? std::max(copies * 2, 50) : 4;
    double s = 1e9;  // best of 5 repetitions: the machine is a shared VM and single runs are noisy
    for (int rep = 0; rep < 5; ++rep) {
        double t = now();
        for (int i = 0; i < calls; ++i) call(i % copies);
        s = std::min(s, (now() - t) / calls);
    }
    const double gbs = matrix / s / 1e9, gflops = 2.0 * n * m * k / s / 1e9;
    std::printf("  %-7s N=%-4lld %5lld→%-6lld %9.1f µs  %6.1f GB/s  %5.0f%% of bw  %7.1f GFLOP/s  %7.1f weight-GB/s·N\n", name,
                (long long)n, (long long)k, (long long)m, s * 1e6, gbs, 100 * gbs / bw, gflops, gbs * n);
    std::free(w);
}

}  // namespace

int main(int argc, char** argv) {
    int isa = NI_ISA_AUTO;
    if (argc > 1) for (int i = 1; i <= 4; ++i) if (!std::strcmp(argv[1], ni_isa_name(i))) isa = i;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
    ni_pool* pool;
    check(ni_pool_create(threads, isa, &pool));
    int32_t nt, got;
    ni_pool_get_info(pool, &nt, &got);
    const size_t rotation = (size_t)(std::getenv("PROBE_ROTATION_MB") ? std::atoi(std::getenv("PROBE_ROTATION_MB")) : 192) << 20;
    const double bw = bandwidth(pool, rotation);
    std::printf("%s, %d threads: read bandwidth %.1f GB/s\n", ni_isa_name(got), nt, bw);
    const struct { int type; const char* name; } types[] = {{NI_TYPE_Q4_0, "q4_0"}, {NI_TYPE_Q8_0, "q8_0"}, {NI_TYPE_Q4_K, "q4_K"},
                                                             {NI_TYPE_Q6_K, "q6_K"}, {NI_TYPE_F16, "f16"}, {NI_TYPE_BF16, "bf16"}, {NI_TYPE_F32, "f32"},
                                                             {NI_TYPE_Q4_1, "q4_1"}, {NI_TYPE_Q5_0, "q5_0"}, {NI_TYPE_Q5_1, "q5_1"},
                                                             {NI_TYPE_IQ4_NL, "iq4_nl"}, {NI_TYPE_Q2_K, "q2_K"}, {NI_TYPE_Q3_K, "q3_K"},
                                                             {NI_TYPE_Q5_K, "q5_K"}, {NI_TYPE_IQ4_XS, "iq4_xs"},
                                                             {NI_TYPE_IQ2_XXS, "iq2_xxs"}, {NI_TYPE_IQ2_XS, "iq2_xs"}, {NI_TYPE_IQ2_S, "iq2_s"},
                                                             {NI_TYPE_IQ3_XXS, "iq3_xxs"}, {NI_TYPE_IQ3_S, "iq3_s"}, {NI_TYPE_IQ1_S, "iq1_s"},
                                                             {NI_TYPE_IQ1_M, "iq1_m"}};
    const char* only = std::getenv("PROBE_TYPES");
    for (auto& t : types) {
        if (only && !std::strstr(only, t.name)) continue;
        if (const char* m = std::getenv("PROBE_M")) {  // one custom shape: PROBE_M rows, PROBE_N tokens, PROBE_K columns
            const char* n = std::getenv("PROBE_N");
            const char* k = std::getenv("PROBE_K");
            matmul(pool, t.type, t.name, n ? std::atoi(n) : 1, std::atoi(m), k ? std::atoi(k) : 2048, bw, rotation);
            continue;
        }
        matmul(pool, t.type, t.name, 1, 2048, 2048, bw, rotation);
        matmul(pool, t.type, t.name, 1, 1408, 2048, bw, rotation);
        if (!std::getenv("PROBE_NO_GEMM")) matmul(pool, t.type, t.name, 128, 2048, 2048, bw, rotation);
    }
    ni_pool_destroy(pool);
}
