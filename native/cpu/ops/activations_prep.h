// Preparing activation rows for the weight kernels (ni_matmul and the W_TRANSPOSED mode of
// ni_matmul_strided_batched): every row of every batch, in parallel, into contiguous scratch.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../runtime/thread_pool.h"

namespace ni {

// Rows r of batch b come from x + b·x_batch + r·x_stride (bytes); row (b, r) lands at
// out + (b·n + r)·out_stride. One row runs on the calling thread (not worth waking the workers).
void prepare_activation_rows(thread_pool& tp, quantize_row_fn prepare, const char* x, size_t x_stride, size_t x_batch,
                             int64_t n, int64_t batch, int64_t k, char* out, size_t out_stride);

}  // namespace ni
