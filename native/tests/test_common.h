// A minimal test harness for the native ctest executables: checks that count failures and print
// what differed, a deterministic RNG, and helpers to visit every ISA this CPU can run.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nativeinfer.h"

namespace nt {

inline int& failures() { static int n = 0; return n; }
inline int& checks() { static int n = 0; return n; }

inline void report_failure(const char* file, int line, const char* fmt, ...) {
    ++failures();
    std::fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_list args;
    va_start(args, fmt);
    std::vfprintf(stderr, fmt, args);
    va_end(args);
    std::fputc('\n', stderr);
}

#define NT_CHECK(cond, ...)                                                          \
    do {                                                                             \
        ++nt::checks();                                                              \
        if (!(cond)) nt::report_failure(__FILE__, __LINE__, __VA_ARGS__);            \
    } while (0)

#define NT_CHECK_OK(call)                                                            \
    do {                                                                             \
        ++nt::checks();                                                              \
        ni_status st_ = (call);                                                      \
        if (st_ != NI_OK)                                                            \
            nt::report_failure(__FILE__, __LINE__, "%s returned %s: %s", #call,      \
                               ni_status_name(st_), ni_last_error());                \
    } while (0)

// `call` must fail with `status` and a message containing `needle` (naming the argument).
#define NT_EXPECT_ERR(call, status, needle)                                                       \
    do {                                                                                          \
        ni_status st_ = (call);                                                                   \
        NT_CHECK(st_ == (status), "%s returned %s, expected %s (%s)", #call, ni_status_name(st_),  \
                 ni_status_name(status), ni_last_error());                                        \
        NT_CHECK(std::strstr(ni_last_error(), (needle)) != nullptr, "%s: message '%s' lacks '%s'", \
                 #call, ni_last_error(), (needle));                                               \
    } while (0)

// Prints the summary and returns the process exit code.
inline int finish(const char* name) {
    std::printf("%s: %d checks, %d failures\n", name, checks(), failures());
    return failures() == 0 ? 0 : 1;
}

// NI_TEST_SMALL=1 (the sanitizer run in CI sets it): tests whose float64 references dominate their
// run time use fewer tokens; every code path still runs.
inline bool small_shapes() {
    const char* v = std::getenv("NI_TEST_SMALL");
    return v && *v && std::strcmp(v, "0") != 0;
}

// ctest treats exit code 77 as "skipped" (SKIP_RETURN_CODE).
constexpr int kSkip = 77;

// xorshift64*: deterministic across platforms.
struct rng {
    uint64_t s;
    explicit rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() { s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return s * 0x2545F4914F6CDD1Dull; }
    float uniform() { return (float)((next() >> 40) * (1.0 / 16777216.0)); }        // [0, 1)
    float symmetric() { return 2.0f * uniform() - 1.0f; }                            // [-1, 1)
    float normal() {                                                                 // Box-Muller
        float u1 = uniform(), u2 = uniform();
        if (u1 < 1e-7f) u1 = 1e-7f;
        return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
    }
};

// Gaussian data with occasional outliers, like real activations.
inline std::vector<float> make_data(rng& r, size_t n, float scale = 1.0f) {
    std::vector<float> v(n);
    for (auto& x : v) x = scale * r.normal() * (r.uniform() < 0.02f ? 8.0f : 1.0f);
    return v;
}

// Every ISA this CPU runs, scalar first.
inline std::vector<int> supported_isas() {
    ni_cpu_info info;
    ni_cpu_get_info(&info);
    std::vector<int> isas;
    for (int isa = NI_ISA_SCALAR; isa <= info.best_isa; ++isa) isas.push_back(isa);
    return isas;
}

inline size_t row_size(int type, int64_t n) {
    size_t bytes = 0;
    if (ni_row_size(type, n, &bytes) != NI_OK) {
        std::fprintf(stderr, "row_size(%d, %lld): %s\n", type, (long long)n, ni_last_error());
        std::abort();
    }
    return bytes;
}

inline const char* type_name(int type) {
    switch (type) {
        case NI_TYPE_F32: return "f32";
        case NI_TYPE_F16: return "f16";
        case NI_TYPE_BF16: return "bf16";
        case NI_TYPE_Q4_0: return "q4_0";
        case NI_TYPE_Q8_0: return "q8_0";
        case NI_TYPE_Q4_K: return "q4_K";
        case NI_TYPE_Q6_K: return "q6_K";
        case NI_TYPE_Q8_K: return "q8_K";
        case NI_TYPE_Q4_1: return "q4_1";
        case NI_TYPE_Q5_0: return "q5_0";
        case NI_TYPE_Q5_1: return "q5_1";
        case NI_TYPE_Q8_1: return "q8_1";
        case NI_TYPE_IQ4_NL: return "iq4_nl";
        case NI_TYPE_Q2_K: return "q2_K";
        case NI_TYPE_Q3_K: return "q3_K";
        case NI_TYPE_Q5_K: return "q5_K";
        case NI_TYPE_IQ4_XS: return "iq4_xs";
        case NI_TYPE_IQ2_XXS: return "iq2_xxs";
        case NI_TYPE_IQ2_XS: return "iq2_xs";
        case NI_TYPE_IQ2_S: return "iq2_s";
        case NI_TYPE_IQ3_XXS: return "iq3_xxs";
        case NI_TYPE_IQ3_S: return "iq3_s";
        case NI_TYPE_IQ1_S: return "iq1_s";
        case NI_TYPE_IQ1_M: return "iq1_m";
        default: return "?";
    }
}

// Tolerance of a kernel's dot product relative to Σ|w·x| (worst_relative_error): 2e-6 covers float32
// accumulation in another order. Formats whose weights carry a min (x = d·q + m or d·sc·q − dmin·m:
// Q4_1, Q5_1, Q2_K, Q4_K, Q5_K) are multiplied as the two sums d·Σq·x and m·Σx, each of which can be a
// few times Σ|w·x| on Gaussian weights (|m| ≈ 2σ against a mean |w| of 0.8σ) before they cancel, so
// their rounding is allowed three times as much.
inline double product_tolerance(int type) {
    switch (type) {
        case NI_TYPE_Q4_1:
        case NI_TYPE_Q5_1:
        case NI_TYPE_Q2_K:
        case NI_TYPE_Q4_K:
        case NI_TYPE_Q5_K: return 6e-6;
        default: return 2e-6;
    }
}

// Relative RMS round-trip error bound of an activation format on Gaussian data with outliers
// (measured in test_quant_formats, ×1.3).
inline double activation_rms_bound(int act) {
    switch (act) {
        case NI_TYPE_Q8_0: return 0.0125;
        case NI_TYPE_Q8_1: return 0.0125;  // Q8_0's values (plus a block sum)
        case NI_TYPE_Q8_K: return 0.026;
        case NI_TYPE_F16: return 2.6e-4;
        case NI_TYPE_BF16: return 2.1e-3;
        default: return 0.0;
    }
}

// RAII pool for tests.
struct pool {
    ni_pool* p = nullptr;
    pool(int threads, int isa) {
        if (ni_pool_create(threads, isa, &p) != NI_OK) {
            std::fprintf(stderr, "ni_pool_create(%d, %s): %s\n", threads, ni_isa_name(isa), ni_last_error());
            std::abort();
        }
    }
    ~pool() { ni_pool_destroy(p); }
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;
    operator ni_pool*() const { return p; }
};

constexpr int kWeightTypes[] = {NI_TYPE_F32,  NI_TYPE_F16,  NI_TYPE_BF16, NI_TYPE_Q4_0,   NI_TYPE_Q8_0, NI_TYPE_Q4_K,
                                NI_TYPE_Q6_K, NI_TYPE_Q4_1, NI_TYPE_Q5_0, NI_TYPE_Q5_1,   NI_TYPE_Q2_K, NI_TYPE_Q3_K,
                                NI_TYPE_Q5_K, NI_TYPE_IQ4_NL, NI_TYPE_IQ4_XS,
                                // read-only: tests make their weights with weight_rows.h
                                NI_TYPE_IQ2_XXS, NI_TYPE_IQ2_XS, NI_TYPE_IQ2_S, NI_TYPE_IQ3_XXS, NI_TYPE_IQ3_S,
                                NI_TYPE_IQ1_S, NI_TYPE_IQ1_M};

inline int block_size(int type) {
    ni_type_info info;
    ni_type_get_info(type, &info);
    return info.block_size;
}

inline int activation_type(int type) {
    ni_type_info info;
    ni_type_get_info(type, &info);
    return info.activation_type;
}

// The largest |y − y_ref| / Σ_i |w_i·x_i| over every (row, token) of [toks][rows] outputs, from
// dequantized weights wd [rows][k] and activations xd [toks][k]: the scale a summation error lives
// on. A NaN anywhere counts as infinite.
inline double worst_relative_error(const float* y, const float* y_ref, const float* wd, const float* xd, int64_t rows,
                                   int64_t toks, int64_t k) {
    double worst = 0;
    for (int64_t c = 0; c < toks; ++c)
        for (int64_t i = 0; i < rows; ++i) {
            double scale = 1e-30;
            for (int64_t j = 0; j < k; ++j) scale += std::fabs((double)wd[i * k + j] * xd[c * k + j]);
            const double err = std::fabs((double)y[c * rows + i] - y_ref[c * rows + i]) / scale;
            if (!(err <= worst)) worst = std::isnan(err) ? INFINITY : std::max(worst, err);
        }
    return worst;
}

}  // namespace nt
