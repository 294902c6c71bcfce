// The W_ROWS product's inner loop built from a row dequantizer: each weight row segment is
// dequantized exactly into a small buffer, then added, scaled by X, into every output row. The
// scalar table uses it for every type; SIMD tables override the float types.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../dispatch/kernels.h"

namespace ni {

// Longest segment a rows_axpy call receives (the batched driver's column chunk): a multiple of
// every block size (1, 32, 256).
constexpr int64_t kRowsAxpyMaxColumns = 512;

template <dequantize_row_fn Dequantize>
void rows_axpy_from_dequantize(int64_t k, const void* w, size_t w_stride, int64_t nrows, const float* x, size_t x_stride,
                               int64_t ncols, float* y, size_t y_stride) {
    float row[kRowsAxpyMaxColumns];
    const char* wr = static_cast<const char*>(w);
    for (int64_t r = 0; r < nrows; ++r, wr += w_stride) {
        Dequantize(wr, row, k);
        for (int64_t c = 0; c < ncols; ++c) {
            const float a = x[c * x_stride + r];
            float* yc = y + c * y_stride;
            for (int64_t i = 0; i < k; ++i) yc[i] += a * row[i];
        }
    }
}

}  // namespace ni
