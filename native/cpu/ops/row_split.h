// How the compute entry points cut work into chunks and run a block of weight rows on the right
// kernel. Shared by matmul and the MoE experts.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../dispatch/kernels.h"

namespace ni {

// Rows per work chunk: about 8 chunks per thread so dynamic chunking can balance uneven cores,
// a multiple of 16 (the widest row tile), and at most 64 rows when several tokens share the
// rows (so a weight block stays in L2 while every token passes over it).
inline int64_t row_chunk(int64_t rows, int n_threads, int64_t n_tokens) {
    const int64_t cap = n_tokens > 1 ? 64 : 256;
    int64_t r = rows / (8 * (int64_t)n_threads);
    r = (r + 15) / 16 * 16;
    return std::clamp<int64_t>(r, 16, cap);
}

// Y[c][r] = W_r · Xq_c for nrows weight rows starting at `w` and n_tokens activation rows:
// the GEMV kernel for one token, else the tile GEMM. y points at Y[0][0] of the block.
inline void compute_rows(const type_kernels& wk, int64_t k, const char* w, size_t w_stride, int64_t nrows,
                         const char* xq, size_t xq_stride, int64_t n_tokens, float* y, size_t y_stride) {
    if (n_tokens == 1) wk.gemv(k, w, w_stride, nrows, xq, y);
    else wk.gemm(k, w, w_stride, nrows, xq, xq_stride, n_tokens, y, y_stride);
}

}  // namespace ni
