// Builds the row-range kernels (gemv, gemm) out of a single-row dot product. The scalar table
// uses these for every type; SIMD tables use them where a dedicated tile kernel would not pay.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ni {

using dot_fn = float (*)(int64_t k, const void* w, const void* x);

template <dot_fn Dot>
void gemv_from_dot(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq, float* y) {
    const char* row = static_cast<const char*>(w);
    for (int64_t r = 0; r < nrows; ++r, row += w_stride) y[r] = Dot(k, row, xq);
}

// Token-major loop inside a row block: the rows (a few KB each) stay in L1/L2 while every token
// passes over them.
template <dot_fn Dot>
void gemm_from_dot(int64_t k, const void* w, size_t w_stride, int64_t nrows, const void* xq,
                   size_t xq_stride, int64_t ncols, float* y, size_t y_stride) {
    const char* x = static_cast<const char*>(xq);
    for (int64_t c = 0; c < ncols; ++c, x += xq_stride) {
        const char* row = static_cast<const char*>(w);
        for (int64_t r = 0; r < nrows; ++r, row += w_stride) y[c * y_stride + r] = Dot(k, row, x);
    }
}

}  // namespace ni
