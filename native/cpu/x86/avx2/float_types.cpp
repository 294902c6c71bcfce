// AVX2 kernels for F32, F16 and BF16 weights (activations in the same type, as ggml does: F16
// weights take F16 activations, BF16 take BF16). One weight row against RN tokens; the row is
// converted to f32 once per 32 values and multiplied into each token's accumulators.
#include "core/blocks.h"
#include "core/half.h"
#include "dispatch/kernels.h"
#include "simd.h"
#include "activations.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

// Loads 32 values of a row as four f32 vectors (in an order the dot product does not care about,
// as long as weights and activations use the same one).
struct f32_format {
    static inline void load(const char* p, int64_t i, __m256 v[4]) {
        const float* f = reinterpret_cast<const float*>(p) + i;
        for (int j = 0; j < 4; ++j) v[j] = _mm256_loadu_ps(f + 8 * j);
    }
    static constexpr int kBytes = 4;
    static inline float at(const char* p, int64_t i) { return reinterpret_cast<const float*>(p)[i]; }
};

struct f16_format {
    static inline void load(const char* p, int64_t i, __m256 v[4]) {
        const uint16_t* h = reinterpret_cast<const uint16_t*>(p) + i;
        for (int j = 0; j < 4; ++j) v[j] = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 8 * j)));
    }
    static constexpr int kBytes = 2;
    static inline float at(const char* p, int64_t i) { return half_to_float(reinterpret_cast<const uint16_t*>(p)[i]); }
};

// bf16 pairs: shifting a 32-bit lane left by 16 gives the even element as f32, masking the low
// half gives the odd one.
struct bf16_format {
    static inline void load(const char* p, int64_t i, __m256 v[4]) {
        const uint16_t* h = reinterpret_cast<const uint16_t*>(p) + i;
        const __m256i hi_mask = _mm256_set1_epi32((int)0xFFFF0000);
        for (int j = 0; j < 2; ++j) {
            const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + 16 * j));
            v[2 * j] = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
            v[2 * j + 1] = _mm256_castsi256_ps(_mm256_and_si256(raw, hi_mask));
        }
    }
    static constexpr int kBytes = 2;
    static inline float at(const char* p, int64_t i) { return bf16_to_f32(reinterpret_cast<const uint16_t*>(p)[i]); }
};

template <typename F, int RN>
void row(int64_t k, const char* w, const char* const* x, float* const* y) {
    __m256 acc[RN][4];
    for (int c = 0; c < RN; ++c)
        for (int j = 0; j < 4; ++j) acc[c][j] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        _mm_prefetch(w + i * F::kBytes + kPrefetchBytes, _MM_HINT_T0);
        if (F::kBytes == 4) _mm_prefetch(w + i * F::kBytes + kPrefetchBytes + 64, _MM_HINT_T0);
        __m256 wv[4];
        F::load(w, i, wv);
        for (int c = 0; c < RN; ++c) {
            __m256 xv[4];
            F::load(x[c], i, xv);
            for (int j = 0; j < 4; ++j) acc[c][j] = _mm256_fmadd_ps(wv[j], xv[j], acc[c][j]);
        }
    }
    for (int c = 0; c < RN; ++c) {
        float s = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[c][0], acc[c][1]), _mm256_add_ps(acc[c][2], acc[c][3])));
        // Tail (K not a multiple of 32): scalar, in the same format.
        for (int64_t t = i; t < k; ++t) s += F::at(w, t) * F::at(x[c], t);
        *y[c] = s;
    }
}

template <typename F>
void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* wr = static_cast<const char*>(w);
    const char* x[1] = {static_cast<const char*>(xq)};
    for (int64_t r = 0; r < nrows; ++r) {
        float* out[1] = {y + r};
        row<F, 1>(k, wr + r * w_stride, x, out);
    }
}

template <typename F>
void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
          float* y, size_t y_stride) {
    const char* wr = static_cast<const char*>(w);
    const char* xb = static_cast<const char*>(xq);
    int64_t c = 0;
    for (; c + 3 <= ncols; c += 3) {
        const char* x[3] = {xb + c * xq_stride, xb + (c + 1) * xq_stride, xb + (c + 2) * xq_stride};
        for (int64_t r = 0; r < nrows; ++r) {
            float* out[3] = {y + c * y_stride + r, y + (c + 1) * y_stride + r, y + (c + 2) * y_stride + r};
            row<F, 3>(k, wr + r * w_stride, x, out);
        }
    }
    for (; c < ncols; ++c) gemv<F>(k, w, w_stride, nrows, xb + c * xq_stride, y + c * y_stride);
}

size_t f32_bytes(int64_t k) { return (size_t)k * 4; }
size_t half_bytes(int64_t k) { return (size_t)k * 2; }
void copy_f32(const float* x, void* y, int64_t n) { std::memcpy(y, x, (size_t)n * 4); }

}  // namespace

void register_avx2_float_types(kernel_table& t) {
    t.types[NI_TYPE_F32].act_bytes = f32_bytes;
    t.types[NI_TYPE_F32].prepare_act = copy_f32;
    t.types[NI_TYPE_F32].gemv = gemv<f32_format>;
    t.types[NI_TYPE_F32].gemm = gemm<f32_format>;
    t.types[NI_TYPE_F16].act_bytes = half_bytes;
    t.types[NI_TYPE_F16].prepare_act = avx2_quantize_row_f16;
    t.types[NI_TYPE_F16].gemv = gemv<f16_format>;
    t.types[NI_TYPE_F16].gemm = gemm<f16_format>;
    t.types[NI_TYPE_BF16].act_bytes = half_bytes;
    t.types[NI_TYPE_BF16].prepare_act = avx2_quantize_row_bf16;
    t.types[NI_TYPE_BF16].gemv = gemv<bf16_format>;
    t.types[NI_TYPE_BF16].gemm = gemm<bf16_format>;
}

}  // namespace ni
