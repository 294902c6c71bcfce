// BF16 weights × BF16 activations with AVX512-BF16 (vdpbf16ps: 32 products per instruction,
// pairs summed in f32). Registered only on CPUs that report AVX512_BF16.
#include "core/half.h"
#include "dispatch/kernels.h"
#include "x86/avx512_common/simd512.h"

namespace ni {
namespace {

constexpr int kPrefetchBytes = 1024;

// One weight row against RN token rows: each 64-byte load of weights feeds RN dot products.
template <int RN>
void row(int64_t k, const uint16_t* w, const uint16_t* const* x, float* const* y) {
    __m512 acc[RN][2];
    for (int c = 0; c < RN; ++c) acc[c][0] = acc[c][1] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= k; i += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + kPrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + kPrefetchBytes + 64, _MM_HINT_T0);
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512(w + i), w1 = (__m512bh)_mm512_loadu_si512(w + i + 32);
        for (int c = 0; c < RN; ++c) {
            acc[c][0] = _mm512_dpbf16_ps(acc[c][0], w0, (__m512bh)_mm512_loadu_si512(x[c] + i));
            acc[c][1] = _mm512_dpbf16_ps(acc[c][1], w1, (__m512bh)_mm512_loadu_si512(x[c] + i + 32));
        }
    }
    for (int c = 0; c < RN; ++c) {
        float s = _mm512_reduce_add_ps(_mm512_add_ps(acc[c][0], acc[c][1]));
        for (int64_t t = i; t < k; ++t) s += bf16_to_f32(w[t]) * bf16_to_f32(x[c][t]);
        *y[c] = s;
    }
}

void gemv(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const uint16_t* x[1] = {static_cast<const uint16_t*>(xq)};
    for (int64_t r = 0; r < nrows; ++r) {
        float* out[1] = {y + r};
        row<1>(k, reinterpret_cast<const uint16_t*>(static_cast<const char*>(w) + r * w_stride), x, out);
    }
}

void gemm(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, size_t xq_stride, int64_t ncols,
          float* y, size_t y_stride) {
    const char* xb = static_cast<const char*>(xq);
    int64_t c = 0;
    for (; c + 4 <= ncols; c += 4) {
        const uint16_t* x[4];
        for (int j = 0; j < 4; ++j) x[j] = reinterpret_cast<const uint16_t*>(xb + (c + j) * xq_stride);
        for (int64_t r = 0; r < nrows; ++r) {
            float* out[4];
            for (int j = 0; j < 4; ++j) out[j] = y + (c + j) * y_stride + r;
            row<4>(k, reinterpret_cast<const uint16_t*>(static_cast<const char*>(w) + r * w_stride), x, out);
        }
    }
    for (; c < ncols; ++c) gemv(k, w, w_stride, nrows, xb + c * xq_stride, y + c * y_stride);
}

}  // namespace

void register_avx512_vnni_bf16(kernel_table& t) {
    t.types[NI_TYPE_BF16].gemv = gemv;
    t.types[NI_TYPE_BF16].gemm = gemm;
}

}  // namespace ni
